import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { companyDisplayName, companyName } from './company-name.js'

describe('normalize.companyName', () => {
  it.each([
    ['ACME, Inc.', 'acme', 'ACME'],
    ['Acme Inc', 'acme', 'Acme'],
    ['The ACME Company, Inc.', 'acme', 'ACME'],
    ['acme widgets llc', 'acme widgets', 'Acme Widgets'],
    ['Acme L.L.C.', 'acme', 'Acme'],
    ['Acme S.A.', 'acme', 'Acme'],
    ['Acme B.V.', 'acme', 'Acme'],
    ['Ferrari S.p.A.', 'ferrari', 'Ferrari'],
    ['Rossi S.r.l.', 'rossi', 'Rossi'],
    ['Acme Holdings Ltd.', 'acme holdings', 'Acme Holdings'],
    ['Acme Corp.', 'acme', 'Acme'],
    ['Smith & Co.', 'smith', 'Smith'],
    ['Procter & Gamble Co', 'procter and gamble', 'Procter & Gamble'],
    ['Müller & Söhne GmbH & Co. KG', 'muller and sohne', 'Müller & Söhne'],
    ['Société Générale S.A.', 'societe generale', 'Société Générale'],
    ["McDonald's Corporation", 'mcdonalds', "McDonald's"],
    ['Booking.com B.V.', 'booking com', 'Booking.com'],
    ['  the   acme   group  ', 'acme group', 'Acme Group'],
    ['ＡＣＭＥ Inc', 'acme', 'ＡＣＭＥ'],
    ['Company', 'company', 'Company'],
    ['The Limited', 'limited', 'Limited'],
    ['トヨタ自動車株式会社', 'トヨタ自動車株式会社', 'トヨタ自動車株式会社'],
    ["Acme'; DROP TABLE companies;--", 'acme drop table companies', "Acme'; DROP TABLE companies"],
  ])('%j → key %j, display %j', (input, key, display) => {
    expect(companyName(input)).toBe(key)
    expect(companyDisplayName(input)).toBe(display)
  })

  it.each([[null], [undefined], [42], [{ name: 'Acme' }], [''], ['   '], ['!!!'], ['\u200b'], ['a'.repeat(10_000)]])(
    '%j → null',
    (input) => {
      expect(companyName(input)).toBeNull()
      expect(companyDisplayName(input)).toBeNull()
    },
  )

  it('title-cases without leaving text un-normalised (regression: Greek iota with dialytika and varia)', () => {
    const once = companyDisplayName('\u1fd2')
    expect(once).toBe(once?.normalize('NFC'))
    expect(companyDisplayName(once)).toBe(once)
  })

  it('gives the same key to the ways people write one company', () => {
    const keys = new Set(['ACME, Inc.', 'Acme Inc', 'acme', 'The Acme Company', 'ACME LLC', '  Acme,   Ltd. '].map(companyName))
    expect([...keys]).toEqual(['acme'])
  })

  it('is idempotent', () => {
    const word = fc.oneof(
      fc.constantFrom('the', 'inc.', 'LLC', '&', 'co.', 'S.A.', 'GmbH', 'Ünïcode', 'and'),
      fc.string({ minLength: 1, maxLength: 8 }),
    )
    const names = fc.oneof(
      fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' ')),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
    )
    fc.assert(
      fc.property(names, (input) => {
        const key = companyName(input)
        expect(companyName(key)).toBe(key)
        const display = companyDisplayName(input)
        expect(companyDisplayName(display)).toBe(display)
      }),
      { numRuns: 1000 },
    )
  })
})
