/**
 * schemas/pipeline.schema.json (made from src/pipeline/schema.ts at build): every YAML pipeline
 * the compiler accepts — the repository's pipeline files, the YAML pipelines in docs/, the `init
 * --yaml` scaffold — passes it, and a table of common mistakes fails it at the right place.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { main } from '../src/cli/main.js'
import { compilePipeline } from '../src/pipeline/compile.js'
import { pipelineJsonSchema } from '../src/pipeline/schema.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const schema = pipelineJsonSchema()
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema)
const errors = () => (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === 'node_modules' || name.startsWith('.')) return []
    if (statSync(path).isDirectory()) return yamlFiles(path)
    return /\.ya?ml$/.test(name) && dir.split('/').includes('pipelines') ? [path] : []
  })
}

/** ```yaml blocks of docs/ that are whole pipelines (they have id, trigger and steps). */
function docPipelines(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (const name of readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(ROOT, 'docs', name), 'utf8')
    for (const m of text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
      let doc: unknown
      try {
        doc = parse(m[1]!)
      } catch {
        continue
      }
      if (doc && typeof doc === 'object' && 'id' in doc && 'trigger' in doc && 'steps' in doc) out.push([`docs/${name}`, doc])
    }
  }
  return out
}

/** Whether the compiler accepts it (with every ${VAR} set), which is what the schema must not contradict. */
function compiles(doc: unknown): boolean {
  const env = new Proxy({}, { get: () => 'x', has: () => true }) as Record<string, string>
  try {
    compilePipeline(doc as never, { format: 'yaml', env })
    return true
  } catch {
    return false
  }
}

describe('schemas/pipeline.schema.json', () => {
  it('is the build of src/pipeline/schema.ts', () => {
    const built = join(ROOT, 'schemas', 'pipeline.schema.json')
    expect(existsSync(built)).toBe(true)
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(schema)
  })

  it('accepts every YAML pipeline of the repository and the docs that the compiler accepts', () => {
    const files = yamlFiles(ROOT).map((f) => [f.slice(ROOT.length), parse(readFileSync(f, 'utf8'))] as [string, unknown])
    const docs = docPipelines()
    expect(files.length).toBeGreaterThanOrEqual(5)
    expect(docs.length).toBeGreaterThanOrEqual(3)
    const checked: string[] = []
    for (const [where, doc] of [...files, ...docs]) {
      if (!compiles(doc)) continue
      checked.push(where)
      expect(validate(doc), `${where} (${(doc as { id: string }).id}): ${errors()}`).toBe(true)
    }
    expect(checked.length).toBeGreaterThanOrEqual(6)
  })

  it('accepts the init --yaml scaffold, which names it on its first line', async () => {
    const t = tempDir('pw-schema-init-')
    try {
      expect(await main(['init', '--yaml'], recordingIo(t.dir))).toBe(0)
      const text = readFileSync(join(t.dir, 'pipelines', 'leads.yaml'), 'utf8')
      expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/node_modules\/pipewright\/schemas\/pipeline\.schema\.json\n/)
      expect(validate(parse(text)), errors()).toBe(true)
    } finally {
      t.cleanup()
    }
  })

  const base = () => ({
    id: 'leads',
    trigger: { webhook: { path: 'leads', auth: { header: 'x-secret', secret: `\${SECRET}` } } },
    steps: [
      { id: 'lead', map: { email: '{{ $email(event.email) }}' } },
      { id: 'notify', action: 'slack.webhook', with: { text: 'hi' }, retry: { maxAttempts: 3, initialInterval: '2s' } },
    ],
  })
  it('accepts the base document of the mistakes below', () => {
    expect(validate(base()), errors()).toBe(true)
  })

  it.each<[string, (d: any) => void, RegExp]>([
    ['a misspelt top-level key', (d) => (d.stpes = d.steps), /must NOT have additional properties/],
    ['no steps', (d) => (d.steps = []), /\/steps must NOT have fewer than 1 items/],
    ['an upper-case pipeline id', (d) => (d.id = 'Leads'), /\/id must match pattern/],
    ['a step without an id', (d) => delete d.steps[0].id, /\/steps\/0/],
    ['a misspelt step kind', (d) => (d.steps[1] = { id: 'notify', acton: 'slack.webhook' }), /\/steps\/1/],
    ['a step of two kinds', (d) => (d.steps[0].filter = '{{ true }}'), /\/steps\/0/],
    ['an action that is not connector.action', (d) => (d.steps[1].action = 'post to slack'), /\/steps\/1/],
    ['a duration in words', (d) => (d.steps[1].retry.initialInterval = '2 seconds'), /\/steps\/1/],
    ['zero attempts', (d) => (d.steps[1].retry.maxAttempts = 0), /\/steps\/1/],
    ['an unknown auth scheme', (d) => (d.trigger.webhook.auth = { scheme: 'hmac', secret: 'x' }), /\/trigger/],
    ['two triggers', (d) => (d.trigger.schedule = '* * * * *'), /\/trigger/],
    ['a webhook without a path', (d) => delete d.trigger.webhook.path, /\/trigger/],
    ['a bad missed-tick policy', (d) => (d.trigger = { schedule: { cron: '0 * * * *', missed: 'all' } }), /\/trigger/],
  ])('rejects %s', (_name, mutate, where) => {
    const d = base()
    mutate(d)
    expect(validate(d)).toBe(false)
    expect(errors()).toMatch(where)
  })
})
