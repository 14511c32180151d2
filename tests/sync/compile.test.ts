/**
 * Sync definitions are checked before anything runs: every problem at once, each naming the
 * file, the sync and the field (`fields[2].owner`); things that work but deserve a look are
 * warnings on the compiled sync (printed by `validate`, `sync list`, `sync status`).
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, type Problem } from '../../src/errors.js'
import { compileSync } from '../../src/sync/compile.js'
import { parseSyncYaml } from '../../src/sync/load.js'
import type { SyncDefinition } from '../../src/sync/types.js'

const base = (): Record<string, any> => ({
  id: 'people',
  sides: {
    a: { side: 'memory:crm', fields: ['email', 'name', 'plan', 'stage', 'code', 'paused'] },
    b: { side: 'memory:hub', fields: ['email', 'fullname', 'plan', 'stage', 'ext'] },
  },
  match: { a: 'email', b: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'name', b: 'fullname', owner: 'latest' },
  ],
})

function problems(over: (d: Record<string, any>) => void): Problem[] {
  const d = base()
  over(d)
  try {
    compileSync(d as SyncDefinition, { format: 'yaml', file: 'syncs/people.yaml' })
  } catch (e) {
    if (e instanceof ConfigError) return e.problems
    throw e
  }
  return []
}

function warnings(over: (d: Record<string, any>) => void): Problem[] {
  const d = base()
  over(d)
  return compileSync(d as SyncDefinition, { format: 'yaml', file: 'syncs/people.yaml' }).warnings
}

describe('sync validation: errors', () => {
  const cases: Array<[string, (d: Record<string, any>) => void, string, RegExp]> = [
    [
      'unknown field on side a',
      (d) => d.fields.push({ a: 'nmae', b: 'fullname' }),
      'fields[2].a',
      /unknown field "nmae" on side a \(memory:crm\); known: email, name/,
    ],
    [
      'unknown field on side b',
      (d) => d.fields.push({ a: 'plan', b: 'plna' }),
      'fields[2].b',
      /unknown field "plna" on side b \(memory:hub\)/,
    ],
    ['unknown match field', (d) => (d.match = { a: 'mail', b: 'email' }), 'match.a', /unknown field "mail" on side a/],
    [
      'unknown fallback field',
      (d) => (d.match.fallback = { a: 'code', b: 'external' }),
      'match.fallback.b',
      /unknown field "external" on side b/,
    ],
    [
      'fallback equal to the main key',
      (d) => (d.match.fallback = { a: 'email', b: 'email' }),
      'match.fallback',
      /the fallback key is the main key/,
    ],
    ['unknown pause field', (d) => (d.pauseField = 'hold'), 'pauseField', /unknown field "hold" on side a/],
    [
      'field mapped twice',
      (d) => d.fields.push({ a: 'name', b: 'plan' }),
      'fields[2].a',
      /field "name" of side a is already mapped by fields\[1\]/,
    ],
    ['unknown field option', (d) => (d.fields[1].onwer = 'a'), 'fields[1].onwer', /unknown field option "onwer"/],
    ['unknown top-level field', (d) => (d.shedule = '5m'), 'shedule', /unknown sync field "shedule"/],
    ['bad direction', (d) => (d.fields[1].direction = 'both-ways'), 'fields[1].direction', /must be one of both, a-to-b, b-to-a/],
    ['bad owner', (d) => (d.fields[1].owner = 'crm'), 'fields[1].owner', /must be one of a, b, latest/],
    [
      'owner contradicting the direction',
      (d) => d.fields.push({ a: 'plan', b: 'plan', direction: 'a-to-b', owner: 'b' }),
      'fields[2].owner',
      /owner b contradicts direction a-to-b on field plan ↔ plan/,
    ],
    ['a side synced with itself', (d) => (d.sides.b = { side: 'memory:crm' }), 'sides.b', /side b is side a \(memory:crm\)/],
    ['unknown side kind', (d) => (d.sides.b = 'hubspt:main/contacts'), 'sides.b.side', /unknown side kind "hubspt"/],
    [
      'bad side option',
      (d) => (d.sides.a.colour = 'red'),
      'sides.a.colour',
      /unknown memory side option "colour"; expected fields, matchKeys/,
    ],
    ['bad id', (d) => (d.id = 'People Sync'), 'id', /sync id must be lower-case/],
    ['bad poll interval', (d) => (d.schedule = { every: 'often' }), 'schedule.every', /.+/],
    ['repair too often', (d) => (d.schedule = { every: '5m', repair: '10s' }), 'schedule.repair', /must be at least 60000 ms/],
    [
      'unknown schedule field',
      (d) => (d.schedule = { every: '5m', repairs: '1h' }),
      'schedule.repairs',
      /unknown schedule field "repairs"; did you mean repair\?/,
    ],
    ['bad deletes', (d) => (d.deletes = 'remove'), 'deletes', /must be one of ignore, archive, propagate/],
    ['bad template', (d) => (d.fields[1].toB = '{{ value.( }}'), 'fields[1].toB', /.+/],
    ['no fields', (d) => (d.fields = []), 'fields', /non-empty list/],
  ]
  it.each(cases)('%s', (_name, over, field, message) => {
    const found = problems(over)
    const p = found.find((x) => x.field === field)
    expect(p, `a problem at ${field}; got ${JSON.stringify(found)}`).toBeTruthy()
    expect(p!.message).toMatch(message)
    expect(p).toMatchObject({ file: 'syncs/people.yaml' })
  })

  it('reports every problem at once', () => {
    const found = problems((d) => {
      d.fields.push({ a: 'nmae', b: 'fullname' })
      d.deletes = 'remove'
      d.sides.b = { side: 'memory:crm' }
    })
    expect(found.map((p) => p.field).sort()).toEqual(['deletes', 'fields[2].a', 'fields[2].b', 'sides.b'])
  })
})

describe('sync validation: warnings', () => {
  it('names a field both sides own with direction both and no owner', () => {
    const w = warnings((d) => d.fields.push({ a: 'stage', b: 'stage' }))
    expect(w).toEqual([
      expect.objectContaining({
        file: 'syncs/people.yaml',
        sync: 'people',
        field: 'fields[2].owner',
        message: expect.stringMatching(/^both sides own field stage ↔ stage \(direction: both, no owner\)/),
      }),
    ])
  })

  const quiet: Array<[string, Record<string, unknown>]> = [
    ['owner latest said out loud', { a: 'stage', b: 'stage', owner: 'latest' }],
    ['owner a', { a: 'stage', b: 'stage', owner: 'a' }],
    ['one-way a-to-b', { a: 'stage', b: 'stage', direction: 'a-to-b' }],
    ['one-way with the sending side as owner', { a: 'stage', b: 'stage', direction: 'b-to-a', owner: 'b' }],
  ]
  it.each(quiet)('no warning for %s', (_n, field) => {
    expect(warnings((d) => d.fields.push(field))).toEqual([])
  })

  it('warns that owner latest or a reverse transform does nothing on a one-way field', () => {
    const w = warnings((d) => d.fields.push({ a: 'stage', b: 'stage', direction: 'b-to-a', owner: 'latest', toB: '{{ value }}' }))
    expect(w.map((x) => [x.field, x.message])).toEqual([
      [
        'fields[2].owner',
        "owner: latest has no effect on field stage ↔ stage: it flows b-to-a only, so the other side's edits are overwritten",
      ],
      ['fields[2].toB', 'toB is never used: field stage ↔ stage flows b-to-a only'],
    ])
  })

  it('YAML definitions get the same checks, with the file named', () => {
    const def = parseSyncYaml(
      'id: people\nsides: { a: "memory:crm", b: "memory:hub" }\nmatch: { a: email, b: email }\nfields:\n  - { a: email, b: email }\n',
      'syncs/people.yaml',
    )
    const s = compileSync(def, { format: 'yaml', file: 'syncs/people.yaml' })
    expect(s.warnings).toEqual([expect.objectContaining({ field: 'fields[0].owner', message: expect.stringContaining('email ↔ email') })])
  })
})
