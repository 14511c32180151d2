import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { personName } from './person-name.js'

describe('normalize.personName', () => {
  it.each([
    ['jane doe', 'Jane Doe', 'Jane', 'Doe'],
    ['  JANE    DOE  ', 'Jane Doe', 'Jane', 'Doe'],
    ['LUDWIG VAN BEETHOVEN', 'Ludwig van Beethoven', 'Ludwig', 'van Beethoven'],
    ['vincent van gogh', 'Vincent van Gogh', 'Vincent', 'van Gogh'],
    ['Van Morrison', 'Van Morrison', 'Van', 'Morrison'],
    ['maria de la cruz', 'Maria de la Cruz', 'Maria', 'de la Cruz'],
    ['otto von bismarck', 'Otto von Bismarck', 'Otto', 'von Bismarck'],
    ["sean o'brien", "Sean O'Brien", 'Sean', "O'Brien"],
    ['sean o’brien', "Sean O'Brien", 'Sean', "O'Brien"],
    ['ronald mcdonald', 'Ronald McDonald', 'Ronald', 'McDonald'],
    ['jean-luc picard', 'Jean-Luc Picard', 'Jean-Luc', 'Picard'],
    ['DeShawn McKenzie-Smith', 'DeShawn McKenzie-Smith', 'DeShawn', 'McKenzie-Smith'],
    ['Doe, Jane', 'Jane Doe', 'Jane', 'Doe'],
    ['Dr. Jane Doe', 'Jane Doe', 'Jane', 'Doe'],
    ['martin luther king jr.', 'Martin Luther King Jr.', 'Martin Luther', 'King Jr.'],
    ['Jane Doe, Jr.', 'Jane Doe Jr.', 'Jane', 'Doe Jr.'],
    ['henry ford iii', 'Henry Ford III', 'Henry', 'Ford III'],
    ['josé ÁLVAREZ', 'José Álvarez', 'José', 'Álvarez'],
    ['jose\u0301 alvarez', 'José Alvarez', 'José', 'Alvarez'],
    ['Jane <script>alert(1)</script> Doe', 'Jane Script Alert Script Doe', 'Jane Script Alert Script', 'Doe'],
  ])('%j → %j', (input, full, first, last) => {
    expect(personName(input)).toEqual({ full, first, last })
  })

  it('reads its own full name back the same way (regressions found by fast-check)', () => {
    for (const input of ['van ,A y ', 'A A,A  iii', 'A, dr.']) {
      const once = personName(input)
      expect(once).not.toBeNull()
      expect(personName(once?.full)?.full).toBe(once?.full)
    }
  })

  it('keeps a single name as the first name', () => {
    expect(personName('madonna')).toEqual({ full: 'Madonna', first: 'Madonna', last: null })
    expect(personName('Mr. Bean')).toEqual({ full: 'Bean', first: 'Bean', last: null })
  })

  it('accepts separate first and last fields', () => {
    expect(personName({ first: ' ada ', last: 'LOVELACE' })).toEqual({ full: 'Ada Lovelace', first: 'Ada', last: 'Lovelace' })
    expect(personName({ first: null, last: 'lovelace' })).toEqual({ full: 'Lovelace', first: 'Lovelace', last: null })
    expect(personName({ first: 'ada' })).toEqual({ full: 'Ada', first: 'Ada', last: null })
  })

  it.each([
    [null],
    [undefined],
    [42],
    [['jane', 'doe']],
    [''],
    ['   '],
    ['12345'],
    ['!!! ???'],
    [{ first: '', last: '' }],
    ['\u200b\u200b'],
    ['x'.repeat(10_000)],
  ])('%j → null', (input) => {
    expect(personName(input)).toBeNull()
  })

  it('is idempotent, from a string or from its own output', () => {
    const word = fc.oneof(
      fc.constantFrom('van', 'de', 'jr.', "o'neil", 'mcdonald', 'ÉLODIE', 'Jean-Luc', 'dr.', 'iii'),
      fc.string({ minLength: 1, maxLength: 8 }),
    )
    const names = fc.oneof(
      fc.array(word, { maxLength: 5 }).map((ws) => ws.join(' ')),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
    )
    fc.assert(
      fc.property(names, (input) => {
        const once = personName(input)
        expect(personName(once)).toEqual(once)
        if (once !== null) expect(personName(once.full)?.full).toBe(once.full)
      }),
      { numRuns: 1000 },
    )
  })
})
