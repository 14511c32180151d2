import { describe, expect, it } from 'vitest'
import { ConfigError, isPipewrightError } from '../errors.js'
import type { Scope } from '../pipeline/types.js'
import { compileTemplate, isTemplate } from './index.js'

const where = { file: 'pipelines/leads.yaml', pipeline: 'leads', step: 'lead', field: 'map' }

function scope(extra: Record<string, unknown> = {}): Scope {
  return {
    event: {
      intent: 90,
      fit: 80,
      email: ' Jane@ACME.com ',
      website: 'https://www.shop.acme.co.uk/about',
      tags: ['a', 'b'],
      nested: { n: 1 },
    },
    run: { id: 'run_1', pipelineId: 'leads', attempt: 1, createdAt: 0 },
    ...extra,
  }
}

function compileError(value: unknown): ConfigError {
  try {
    compileTemplate(value, where)
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error('expected compileTemplate to throw')
}

async function runtimeError(value: unknown, s: Scope = scope()): Promise<Error & { code: string; details: any }> {
  try {
    await compileTemplate(value, where)(s)
  } catch (e) {
    expect(isPipewrightError(e)).toBe(true)
    return e as Error & { code: string; details: any }
  }
  throw new Error('expected evaluation to fail')
}

describe('compileTemplate: typing', () => {
  it('keeps the type of a value that is exactly one expression', async () => {
    expect(await compileTemplate('{{ event.intent * 0.4 + event.fit * 0.6 }}', where)(scope())).toBe(84)
    expect(await compileTemplate('{{ event.intent > 50 }}', where)(scope())).toBe(true)
    expect(await compileTemplate('{{ event.nested }}', where)(scope())).toEqual({ n: 1 })
    expect(await compileTemplate('{{ event.tags }}', where)(scope())).toEqual(['a', 'b'])
    expect(await compileTemplate('{{ null }}', where)(scope())).toBeNull()
    expect(await compileTemplate('  {{ event.fit }}  ', where)(scope())).toBe('  80  ')
  })

  it('gives undefined for a path that matches nothing, and an empty string inside text', async () => {
    expect(await compileTemplate('{{ event.missing }}', where)(scope())).toBeUndefined()
    expect(await compileTemplate('a{{ event.missing }}b', where)(scope())).toBe('ab')
  })

  it('interpolates mixed text, JSON-stringifying objects', async () => {
    const ev = compileTemplate('Hot lead {{ $email(event.email) }} ({{ event.fit }}) {{ event.nested }} {{ null }}.', where)
    expect(await ev(scope())).toBe('Hot lead jane@acme.com (80) {"n":1} .')
  })

  it('gives an array for a mapped path only when asked with [] or when several match', async () => {
    const s = scope({ one: [{ sku: 'x' }], two: [{ sku: 'y' }, { sku: 'z' }] })
    expect(await compileTemplate('{{ one.sku }}', where)(s)).toBe('x')
    expect(await compileTemplate('{{ one[].sku }}', where)(s)).toEqual(['x'])
    expect(await compileTemplate('{{ two.sku }}', where)(s)).toEqual(['y', 'z'])
  })

  it('returns plain objects and arrays built by JSONata', async () => {
    const out = await compileTemplate('{{ {"a": {"b": [1, 2]}, "c": event.tags[0]} }}', where)(scope())
    expect(out).toStrictEqual({ a: { b: [1, 2] }, c: 'a' })
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(JSON.stringify(await compileTemplate('{{ [1..3] }}', where)(scope()))).toBe('[1,2,3]')
  })

  it('compiles objects and arrays leaf by leaf', async () => {
    const ev = compileTemplate(
      { domain: '{{ $domain(event.website) }}', fixed: 7, list: [true, '{{ event.tags[1] }}', { x: null }] },
      where,
    )
    expect(await ev(scope())).toStrictEqual({ domain: 'acme.co.uk', fixed: 7, list: [true, 'b', { x: null }] })
  })

  it('reaches step outputs with hyphens through backticks', async () => {
    const s = scope({ 'has-email': { ok: true, email: 'x@acme.com' } })
    expect(await compileTemplate('{{ `has-email`.ok }}', where)(s)).toBe(true)
    expect(await compileTemplate('{{ $.`has-email`.email }}', where)(s)).toBe('x@acme.com')
  })

  it('finds the closing braces past nested objects and quoted braces', async () => {
    expect(await compileTemplate("{{ '}}' }}", where)(scope())).toBe('}}')
    expect(await compileTemplate('{{ {"a":{"b":1}} }}', where)(scope())).toEqual({ a: { b: 1 } })
    expect(await compileTemplate("literal {{ '{{' }} braces", where)(scope())).toBe('literal {{ braces')
    expect(await compileTemplate('{{ /* } */ 1 }}', where)(scope())).toBe(1)
  })
})

describe('compileTemplate: constants', () => {
  it('returns constants synchronously, without a Promise', () => {
    const ev = compileTemplate({ a: 1, b: ['x', { c: 'plain text with { braces }' }] }, where)
    const out = ev(scope())
    expect(out).not.toBeInstanceOf(Promise)
    expect(out).toEqual({ a: 1, b: ['x', { c: 'plain text with { braces }' }] })
    expect(compileTemplate('hello', where)(scope())).toBe('hello')
    expect(compileTemplate(42, where)(scope())).toBe(42)
    expect(compileTemplate(undefined, where)(scope())).toBeUndefined()
  })

  it('hands out a frozen copy, so one run cannot change what the next one sees', () => {
    const source = { a: { b: 1 } }
    const ev = compileTemplate(source, where)
    const out = ev(scope()) as { a: { b: number } }
    expect(() => {
      out.a.b = 2
    }).toThrow(TypeError)
    source.a.b = 3
    expect((ev(scope()) as { a: { b: number } }).a.b).toBe(1)
  })

  it('evaluates the everyday subset synchronously and anything else through JSONata (a Promise)', async () => {
    const sync = compileTemplate({ a: 1, b: '{{ event.fit }}' }, where)(scope())
    expect(sync).not.toBeInstanceOf(Promise)
    expect(sync).toEqual({ a: 1, b: scope().event.fit })
    const viaJsonata = compileTemplate({ a: 1, b: '{{ $sum([1, 2]) }}' }, where)(scope())
    expect(viaJsonata).toBeInstanceOf(Promise)
    expect(await viaJsonata).toEqual({ a: 1, b: 3 })
  })
})

describe('compileTemplate: functions', () => {
  const clock = { now: () => Date.UTC(2024, 0, 2, 3, 4, 5) }

  it('binds the Pipewright normalizers', async () => {
    const ev = compileTemplate(
      {
        domain: '{{ $domain("https://WWW.Shop.Acme.co.uk/x") }}',
        sub: '{{ $domain("https://shop.acme.co.uk", true) }}',
        email: '{{ $email(" Jane@ACME.com ") }}',
        phone: '{{ $phone("(415) 555-0123", "US") }}',
        slug: '{{ $slug("Ünïcode & Co.") }}',
        score: '{{ $score(90, 80) }}',
        weighted: '{{ $score(90, 80, 0.5, 0.5) }}',
        first: '{{ $personName("LUDWIG VAN BEETHOVEN").last }}',
        company: '{{ $companyName("ACME, Inc.") }}',
        lower: '{{ $lower("ABC") }}',
        trim: '{{ $trim("  a   b ") }}',
        coalesce: '{{ $coalesce(event.missing, "", null, "fallback") }}',
        none: '{{ $coalesce(event.missing) }}',
        bad: '{{ $email(42) }}',
      },
      where,
    )
    expect(await ev(scope())).toEqual({
      domain: 'acme.co.uk',
      sub: 'shop.acme.co.uk',
      email: 'jane@acme.com',
      phone: '+14155550123',
      slug: 'unicode-co',
      score: 84,
      weighted: 85,
      first: 'van Beethoven',
      company: 'acme',
      lower: 'abc',
      trim: 'a b',
      coalesce: 'fallback',
      none: null,
      bad: null,
    })
  })

  it('reads $now() from the injected clock', async () => {
    expect(await compileTemplate('{{ $now() }}', where, { clock })(scope())).toBe('2024-01-02T03:04:05.000Z')
  })
})

describe('compileTemplate: errors', () => {
  it('reports a syntax error at compile time with pipeline, step, field and position', () => {
    const err = compileError({ properties: { score: '{{ event.intent * }}' } })
    expect(err.code).toBe('PW_PIPELINE_INVALID')
    expect(err.problems).toEqual([
      {
        ...where,
        field: 'map.properties.score',
        message: expect.stringMatching(
          /^expression \{\{ event\.intent \* \}\} has a syntax error at character \d+ of the expression: .*\(JSONata S0207\)$/,
        ),
      },
    ])
    expect(err.message).toContain('pipelines/leads.yaml, pipeline leads, step lead, field map.properties.score')
  })

  it('reports every broken expression, not only the first', () => {
    const err = compileError({ a: '{{ $foo( }}', b: ['ok', '{{ ] }}'], c: 'x {{ }}', d: 'open {{ event' })
    expect(err.problems.map((p) => p.field)).toEqual(['map.a', 'map.b[1]', 'map.c', 'map.d'])
    expect(err.problems[1].message).toContain('near "]"')
    expect(err.problems[2].message).toContain('empty expression')
    expect(err.problems[3].message).toContain('unterminated "{{"')
  })

  it('throws PW_EXPRESSION at run time naming the place and the expression', async () => {
    const err = await runtimeError({ score: '{{ event.email * 2 }}' })
    expect(err.code).toBe('PW_EXPRESSION')
    expect(err.message).toBe(
      '[PW_EXPRESSION] pipelines/leads.yaml, pipeline leads, step lead, field map.score: expression {{ event.email * 2 }} failed: The left side of the "*" operator must evaluate to a number (JSONata T2001, character 13)',
    )
    expect(err.details).toMatchObject({ step: 'lead', field: 'map.score', expression: 'event.email * 2', jsonataCode: 'T2001' })
    expect(err.cause).toBeInstanceOf(Error)
  })

  it('stops runaway expressions instead of hanging the worker', async () => {
    const ev = compileTemplate('{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}', where, { timeoutMs: 50 })
    const started = Date.now()
    await expect(ev(scope())).rejects.toMatchObject({ code: 'PW_EXPRESSION' })
    expect(Date.now() - started).toBeLessThan(5000)
    await expect(compileTemplate('{{ [1..1000000] }}', where, { maxSequence: 1000 })(scope())).rejects.toMatchObject({
      code: 'PW_EXPRESSION',
    })
  })

  it('cannot reach Node globals from an expression', async () => {
    expect(await compileTemplate('{{ $process }}', where)(scope())).toBeUndefined()
    expect(await compileTemplate('{{ event.constructor }}', where)(scope())).toBeUndefined()
    expect(await compileTemplate('{{ event.constructor.constructor("return typeof process")() }}', where)(scope())).toBeUndefined()
  })
})

describe('isTemplate', () => {
  it('finds templates in strings and nested data', () => {
    expect(isTemplate('{{ a }}')).toBe(true)
    expect(isTemplate('a {{ b }} c')).toBe(true)
    expect(isTemplate({ x: [1, { y: '{{ z }}' }] })).toBe(true)
    expect(isTemplate('plain { text }')).toBe(false)
    expect(isTemplate({ x: [1, 'y'] })).toBe(false)
    expect(isTemplate(null)).toBe(false)
    expect(isTemplate(7)).toBe(false)
  })
})
