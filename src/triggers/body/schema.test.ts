import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { compileSchema, formatPath } from './schema.js'

describe('compileSchema', () => {
  it('lists every failing path of a JSON Schema, not just the first', () => {
    const validate = compileSchema({
      type: 'object',
      required: ['email', 'score'],
      properties: {
        email: { type: 'string', format: 'email' },
        score: { type: 'integer', minimum: 0, maximum: 100 },
        website: { type: 'string', format: 'uri' },
        stage: { enum: ['lead', 'customer'] },
        tags: { type: 'array', items: { type: 'string', minLength: 2 } },
        code: { type: 'string', pattern: '^[A-Z]{3}$' },
      },
    })
    const issues = validate({ email: 'not-an-email', website: 'nope', stage: 'other', tags: ['ok', 'x', 3], code: 'abc' })
    expect(issues.map((i) => i.path).sort()).toEqual(['code', 'email', 'score', 'stage', 'tags[1]', 'tags[2]', 'website'])
    expect(issues.find((i) => i.path === 'email')!.message).toMatch(/email/i)
    expect(validate({ email: 'ada@example.com', score: 5 })).toEqual([])
  })

  it('uses a zod schema as is', () => {
    const validate = compileSchema(z.object({ contacts: z.array(z.object({ email: z.email() })) }))
    expect(validate({ contacts: [{ email: 'a@b.io' }, { email: 'bad' }] })).toEqual([
      { path: 'contacts[1].email', message: 'Invalid email address' },
    ])
  })

  it('accepts any synchronous Standard Schema validator', () => {
    const validate = compileSchema({
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (v: unknown) => (v === 1 ? { value: v } : { issues: [{ message: 'must be 1', path: [{ key: 'x' }] }] }),
      },
    })
    expect(validate(2)).toEqual([{ path: 'x', message: 'must be 1' }])
    expect(validate(1)).toEqual([])
  })

  it('refuses something that is not a schema with PW_CONFIG_INVALID', () => {
    expect(() => compileSchema('object')).toThrow(expect.objectContaining({ code: 'PW_CONFIG_INVALID' }))
  })
})

describe('formatPath', () => {
  it('writes identifiers with dots, indexes and odd keys in brackets', () => {
    expect(formatPath(['a', 0, 'b c', 'd'])).toBe('a[0]["b c"].d')
    expect(formatPath([])).toBe('')
  })
})

describe('JSON Schema gaps closed before conversion', () => {
  it('enforces required names that properties does not list', () => {
    const validate = compileSchema({ type: 'object', required: ['email', 'domain'], properties: { email: { type: 'string' } } })
    expect(validate({}).map((i) => i.path)).toEqual(['email', 'domain'])
  })

  it('enforces array limits when items is absent', () => {
    expect(compileSchema({ type: 'array', minItems: 2 })([1])).toHaveLength(1)
    expect(compileSchema({ type: 'object', properties: { tags: { type: 'array', maxItems: 1 } } })({ tags: [1, 2] })[0]!.path).toBe('tags')
  })
})
