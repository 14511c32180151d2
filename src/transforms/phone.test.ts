import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { phone } from './phone.js'

describe('normalize.phone', () => {
  it.each([
    ['(415) 555-0123', 'US', '+14155550123'],
    ['415.555.0123', 'us', '+14155550123'],
    ['+1 415 555 0123', undefined, '+14155550123'],
    ['+44 20 7946 0958', undefined, '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['030 1234567', 'DE', '+49301234567'],
    ['+49 (0)30 1234567', undefined, '+49301234567'],
    ['tel:+14155550123', undefined, '+14155550123'],
    ['+1 415 555 0123 ext. 42', undefined, '+14155550123'],
    ['\u202a+1 415 555 0123\u202c', undefined, '+14155550123'],
    [14155550123, 'US', '+14155550123'],
    // The 00 international prefix, whatever the default country (or none).
    ['0044 20 7946 0958', undefined, '+442079460958'],
    ['0044 20 7946 0958', 'US', '+442079460958'],
    ['0049 30 1234567', 'GB', '+49301234567'],
    ['00 1 415 555 0123', 'DE', '+14155550123'],
    ['0033 1 23 45 67 89', 'FR', '+33123456789'],
    // Australia dials abroad with 0011: still read in the default country.
    ['0011 44 20 7946 0958', 'AU', '+442079460958'],
  ])('%j (%s) → %j', (input, country, expected) => {
    expect(phone(input, { defaultCountry: country })).toBe(expected)
  })

  it.each([
    [null, 'US'],
    [undefined, 'US'],
    [{ number: '+14155550123' }, 'US'],
    [1.5, 'US'],
    [-14155550123, 'US'],
    ['', 'US'],
    ['555-0123', undefined],
    ['(415) 555-0123', 'XX'],
    ['not a phone', 'US'],
    ['+1 000 000 0000', undefined],
    ['123', 'DE'],
    ['+14155550123; DROP TABLE leads', undefined],
    ['9'.repeat(10_000), 'US'],
  ])('%j (%s) → null', (input, country) => {
    expect(phone(input, { defaultCountry: country })).toBeNull()
  })

  it('accepts the country as a plain string argument', () => {
    expect(phone('(415) 555-0123', 'US')).toBe('+14155550123')
  })

  it('is idempotent', () => {
    const digits = fc.stringMatching(/^\+?[0-9 ()\-.]{3,20}$/)
    const country = fc.constantFrom(undefined, 'US', 'GB', 'DE', 'FR', 'IN', 'BR')
    fc.assert(
      fc.property(fc.oneof(digits, fc.string()), country, (input, defaultCountry) => {
        const once = phone(input, { defaultCountry })
        expect(phone(once, { defaultCountry })).toBe(once)
        if (once !== null) expect(phone(once)).toBe(once)
      }),
      { numRuns: 500 },
    )
  })
})
