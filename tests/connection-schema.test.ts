/**
 * schemas/connection.schema.json (made from src/connections/schema.ts at build): every connection
 * file in docs/ passes it, as the loader accepts them, and a table of mistakes fails it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { connectionJsonSchema } from '../src/connections/json-schema.js'
import { checkConnectionDefinition } from '../src/connections/schema.js'

const ROOT = join(import.meta.dirname, '..')
const validate = new Ajv({ strict: false, allErrors: true }).compile(connectionJsonSchema())
const errors = () => (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')

/** ```yaml blocks of docs/ that are connection files (`connections:` or an id like `hubspot:main`). */
function docConnectionFiles(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (const name of readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(ROOT, 'docs', name), 'utf8')
    for (const m of text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
      if (!/^# connections\//m.test(m[1]!)) continue
      out.push([`docs/${name}`, parse(m[1]!)])
    }
  }
  return out
}

describe('schemas/connection.schema.json', () => {
  const files = docConnectionFiles()

  it('finds the connection files of the docs', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  it.each(files.map(([where, doc], i) => [`${where} #${i}`, doc]))('%s passes the schema and the loader', (_where, doc) => {
    const defs = (doc as { connections?: unknown[] }).connections ?? [doc]
    for (const d of defs) expect(checkConnectionDefinition(d, 'x')).toEqual([])
    expect(validate(doc), errors()).toBe(true)
  })

  const ok = { id: 'hubspot:main', credential: { env: 'HUBSPOT_TOKEN' } }
  it.each([
    ['an id without a service', { ...ok, id: 'main' }, '/id'],
    ['a misspelt key', { ...ok, budget: [] }, 'additional'],
    ['a budget period in words', { ...ok, budgets: [{ name: 'd', period: 'daily', limit: 5 }] }, '/budgets/0/period'],
    ['a negative limit', { ...ok, budgets: [{ name: 'd', period: 'day', limit: -1 }] }, '/budgets/0/limit'],
    ['a credential env name with a dash', { ...ok, credential: { env: 'HUBSPOT-TOKEN' } }, '/credential'],
    ['onBudgetExhausted unknown', { ...ok, onBudgetExhausted: 'drop' }, '/onBudgetExhausted'],
    ['a connections list beside other keys', { connections: [ok], owner: 'me' }, ''],
  ])('rejects %s', (_what, doc, where) => {
    expect(checkConnectionDefinition((doc as { connections?: unknown[] }).connections ? {} : doc, 'x').length).toBeGreaterThan(0)
    expect(validate(doc)).toBe(false)
    expect(errors()).toContain(where)
  })
})
