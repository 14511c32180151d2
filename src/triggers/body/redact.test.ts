import { describe, expect, it } from 'vitest'
import { getPath, redactPaths } from './redact.js'

describe('redactPaths', () => {
  const payload = { card: { number: '4242', exp: '12/30' }, contacts: [{ email: 'a@x.io', name: 'A' }, { email: 'b@x.io' }], token: 't' }

  it('replaces the given paths in a copy and leaves the input alone', () => {
    const out = redactPaths(payload, ['card.number', 'token', 'contacts.1.email'])
    expect(out).toEqual({
      card: { number: '[redacted]', exp: '12/30' },
      contacts: [{ email: 'a@x.io', name: 'A' }, { email: '[redacted]' }],
      token: '[redacted]',
    })
    expect(payload.card.number).toBe('4242')
    expect(payload.contacts[1]!.email).toBe('b@x.io')
  })

  it('supports * for every key or element and ignores missing paths', () => {
    expect(redactPaths(payload, ['contacts.*.email', 'missing.deep', 'card.cvc'])).toEqual({
      ...payload,
      contacts: [{ email: '[redacted]', name: 'A' }, { email: '[redacted]' }],
    })
  })

  it('returns scalars unchanged', () => {
    expect(redactPaths('text', ['a'])).toBe('text')
  })
})

describe('getPath', () => {
  it('reads nested keys and array indexes, undefined when absent', () => {
    expect(getPath({ a: [{ id: 7 }] }, 'a.0.id')).toBe(7)
    expect(getPath({ a: 1 }, 'a.b')).toBeUndefined()
    expect(getPath({}, 'constructor')).toBeUndefined()
  })
})
