import fc from 'fast-check'
import jsonata from 'jsonata'
import { describe, expect, it } from 'vitest'
import { BAIL, compileFast } from './fast.js'
import { pipewrightFunctions } from './functions.js'

const fns = pipewrightFunctions({ now: () => 0 })

async function viaJsonata(expr: string, input: unknown): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const e = jsonata(expr)
  for (const [k, f] of Object.entries(fns)) e.registerFunction(k, f)
  try {
    return { ok: true, value: JSON.parse(JSON.stringify((await e.evaluate(input)) ?? null)) }
  } catch {
    return { ok: false }
  }
}

function viaFast(expr: string, input: Record<string, unknown>): { ok: true; value: unknown } | { ok: false } | 'bail' {
  const f = compileFast(jsonata(expr).ast() as any, fns)
  if (!f) return 'bail'
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(f(input) ?? null)) }
  } catch (e) {
    if (e === BAIL) return 'bail'
    return { ok: false }
  }
}

const EXPRESSIONS = [
  'event.email',
  'lead',
  'event.intent * 0.4 + event.fit * 0.6',
  'lead.score >= 80',
  'lead.score > 80 and event.email != "x"',
  'event.missing.deep',
  'event.fit - event.intent / 2',
  '-event.fit',
  'event.email = "a@b.co" or event.fit < 10',
  'event.fit ? "yes" : "no"',
  '{ "email": event.email, "score": event.fit * 2, "none": event.nothing }',
  '"Hot lead " & event.email',
  '$lowercase(event.email)',
  '$domain(event.website)',
  '$score(event.intent, event.fit)',
  '$coalesce(event.nothing, event.email)',
  '`has-email`',
  'event.list',
  'event.obj.a',
]

const value = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 3 }),
)

describe('fast expression path', () => {
  it('agrees with JSONata on every input it does not hand back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...EXPRESSIONS),
        fc.record({
          email: value,
          intent: value,
          fit: value,
          website: fc.constantFrom('https://www.acme.com/x', 'nope', 42, undefined),
          list: value,
          obj: fc.oneof(fc.constant({ a: 1 }), value),
        }),
        fc.oneof(value, fc.record({ score: value })),
        async (expr, event, lead) => {
          const input = { event, lead, 'has-email': lead }
          const fast = viaFast(expr, input)
          if (fast === 'bail') return
          const slow = await viaJsonata(expr, input)
          expect(fast.ok, `${expr} on ${JSON.stringify(input)}`).toBe(slow.ok)
          if (fast.ok && slow.ok) expect(fast.value, `${expr} on ${JSON.stringify(input)}`).toEqual(slow.value)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('handles the everyday expressions without JSONata', () => {
    const input = { event: { email: 'A@B.co', intent: 90, fit: 95, website: 'https://www.acme.com/' }, lead: { score: 93 } }
    expect(viaFast('event.intent * 0.4 + event.fit * 0.6', input)).toEqual({ ok: true, value: 93 })
    expect(viaFast('$domain(event.website)', input)).toEqual({ ok: true, value: 'acme.com' })
    expect(viaFast('lead.score >= 80', input)).toEqual({ ok: true, value: true })
    expect(viaFast('event.items[0]', input)).toBe('bail')
  })

  it('never reads through the prototype chain', () => {
    // Like JSONata: an inherited property is simply not there.
    expect(viaFast('event.constructor', { event: {} })).toEqual({ ok: true, value: null })
    expect(viaFast('event.constructor.name', { event: {} })).toEqual({ ok: true, value: null })
  })
})
