/**
 * schemas/sync.schema.json (made from src/sync/json-schema.ts at build): every sync the compiler
 * accepts — the YAML syncs in docs/ and the examples' TypeScript syncs written as YAML would hold
 * them — passes it, and a table of common mistakes fails it at the right place (and the compiler
 * refuses them too).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { createJiti } from 'jiti'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { systemClock } from '../src/engine/clock.js'
import { isEnvRef } from '../src/pipeline/define.js'
import { compileSync } from '../src/sync/compile.js'
import { isSyncDefinition } from '../src/sync/define.js'
import { syncJsonSchema } from '../src/sync/json-schema.js'
import { syncPipelines } from '../src/sync/pipelines.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const schema = syncJsonSchema()
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema)
const errors = () => (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')
const MODELINE = '# yaml-language-server: $schema=../node_modules/pipewright/schemas/sync.schema.json'

/** ```yaml blocks of docs/ that are whole syncs (id, sides, match and fields). */
function docSyncs(): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const name of readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(ROOT, 'docs', name), 'utf8')
    for (const m of text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
      let doc: unknown
      try {
        doc = parse(m[1]!)
      } catch {
        continue
      }
      if (doc && typeof doc === 'object' && ['id', 'sides', 'match', 'fields'].every((k) => k in doc)) out.push([`docs/${name}`, m[1]!])
    }
  }
  return out
}

function exampleSyncFiles(dir = join(ROOT, 'examples')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === 'node_modules' || name.startsWith('.')) return []
    if (statSync(path).isDirectory()) return exampleSyncFiles(path)
    return /\.(ts|ya?ml)$/.test(name) && dir.endsWith('/syncs') ? [path] : []
  })
}

/**
 * A TypeScript sync as its YAML twin would be written: `env()` → its fallback, a transform, filter
 * or ids function → a template, a normaliser function → `exact`.
 */
function asYaml(v: unknown, key = ''): unknown {
  if (isEnvRef(v)) return v.fallback
  if (typeof v === 'function') return key === 'normalize' ? 'exact' : '{{ value }}'
  if (Array.isArray(v)) return v.map((x) => asYaml(x))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asYaml(x, k)]))
  return v
}

const anyEnv = new Proxy({}, { get: () => 'x', has: () => true }) as Record<string, string>
/** Whether loading accepts it: the compiler, then its webhook pipelines (which check `auth`). */
function compiles(doc: unknown): boolean {
  try {
    const sync = compileSync(doc as never, { format: 'yaml', env: anyEnv })
    syncPipelines([sync], { store: null as never, clock: systemClock, sides: () => null as never, nudge: () => {}, split: async () => [] })
    return true
  } catch {
    return false
  }
}

describe('schemas/sync.schema.json', () => {
  it('is the build of src/sync/json-schema.ts', () => {
    const built = join(ROOT, 'schemas', 'sync.schema.json')
    expect(existsSync(built)).toBe(true)
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(schema)
  })

  it('accepts the YAML syncs of the docs, which name it on their first line', () => {
    const docs = docSyncs()
    expect(docs.length).toBeGreaterThanOrEqual(1)
    for (const [where, text] of docs) {
      expect(text.split('\n')[0], where).toBe(MODELINE)
      const doc = parse(text)
      expect(compiles(doc), where).toBe(true)
      expect(validate(doc), `${where}: ${errors()}`).toBe(true)
    }
  })

  it('accepts every sync of the examples', async () => {
    const files = exampleSyncFiles()
    expect(files.length).toBeGreaterThanOrEqual(6)
    const jiti = createJiti(import.meta.url, { interopDefault: false })
    let checked = 0
    for (const file of files) {
      const defs = /\.ya?ml$/.test(file)
        ? [parse(readFileSync(file, 'utf8'))]
        : Object.values((await jiti.import(file)) as Record<string, unknown>).filter(isSyncDefinition)
      expect(defs.length, file).toBeGreaterThan(0)
      for (const def of defs) {
        const doc = asYaml(def)
        expect(compiles(doc), file).toBe(true)
        expect(validate(doc), `${file.slice(ROOT.length)}: ${errors()}`).toBe(true)
        checked++
      }
    }
    expect(checked).toBe(files.length)
  })

  const base = () => ({
    id: 'crm-contacts',
    sides: { a: { side: 'postgres:crm/customers', key: 'customer_id', matchKeys: ['email'] }, b: 'hubspot:main/contacts' },
    match: { a: 'email', b: 'email', normalize: 'email', fallback: { a: 'customer_id', b: 'external_id' } },
    fields: [
      { a: 'email', b: 'email', owner: 'a' },
      { a: 'lifecycle_stage', b: 'lifecyclestage', direction: 'b-to-a' },
    ],
    deletes: 'archive',
    schedule: { every: '5m', repair: '24h' },
    webhooks: [{ side: 'b', path: 'hubspot-contacts', ids: 'objectId', split: 'hubspot' }],
  })
  it('accepts the base document of the mistakes below', () => {
    expect(compiles(base())).toBe(true)
    expect(validate(base()), errors()).toBe(true)
  })

  it.each<[string, (d: any) => void, RegExp]>([
    ['a misspelt top-level key', (d) => (d.feilds = d.fields), /must NOT have additional properties/],
    ['no fields', (d) => (d.fields = []), /\/fields must NOT have fewer than 1 items/],
    ['an upper-case sync id', (d) => (d.id = 'CRM'), /\/id must match pattern/],
    ['a third side', (d) => (d.sides.c = 'hubspot:main/companies'), /\/sides must NOT have additional properties/],
    ['an unknown side kind', (d) => (d.sides.b = 'salesforce:main/contacts'), /\/sides\/b/],
    ['a side reference without a kind', (d) => (d.sides.b = 'contacts'), /\/sides\/b/],
    ['an option of another kind', (d) => (d.sides.a.properties = ['email']), /\/sides\/a/],
    ['a misspelt side option', (d) => (d.sides.a.keys = 'id'), /\/sides\/a/],
    ['an unknown normaliser', (d) => (d.match.normalize = 'mail'), /\/match\/normalize/],
    ['a field without its b name', (d) => delete d.fields[0].b, /\/fields\/0/],
    ['a direction in words', (d) => (d.fields[1].direction = 'from-b'), /\/fields\/1\/direction/],
    ['an unknown owner', (d) => (d.fields[0].owner = 'crm'), /\/fields\/0\/owner/],
    ['a misspelt field option', (d) => (d.fields[0].onwer = 'a'), /\/fields\/0 must NOT have additional properties/],
    ['an unknown delete policy', (d) => (d.deletes = 'remove'), /\/deletes/],
    ['a schedule in words', (d) => (d.schedule = { every: 'hourly' }), /\/schedule/],
    ['a webhook for side c', (d) => (d.webhooks[0].side = 'c'), /\/webhooks\/0\/side/],
    ['an unknown webhook auth scheme', (d) => (d.webhooks[0].auth = { scheme: 'hmac', secret: 'x' }), /\/webhooks\/0\/auth/],
    ['a conflicts tie to nobody', (d) => (d.conflicts = { ties: 'none' }), /\/conflicts\/ties/],
  ])('rejects %s', (_name, mutate, where) => {
    const d = base()
    mutate(d)
    expect(compiles(d)).toBe(false)
    expect(validate(d)).toBe(false)
    expect(errors()).toMatch(where)
  })
})
