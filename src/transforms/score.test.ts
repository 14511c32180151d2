import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { score } from './score.js'
import { slug } from './slug.js'

describe('score', () => {
  it.each([
    [90, 80, undefined, undefined, 84],
    [100, 100, undefined, undefined, 100],
    [0, 0, undefined, undefined, 0],
    ['90', ' 80 ', undefined, undefined, 84],
    [90, null, undefined, undefined, 36],
    [undefined, 80, undefined, undefined, 48],
    [150, -20, undefined, undefined, 40],
    [50, 50, 1, 1, 100],
    [90, 80, 0.5, 0.5, 85],
    [90, 80, -1, 'x', 84],
    [33.333, 66.667, undefined, undefined, 53.33],
  ])('score(%j, %j, %j, %j) → %j', (intent, fit, wi, wf, expected) => {
    expect(score(intent, fit, wi, wf)).toBe(expected)
  })

  it.each([
    [null, null],
    [undefined, undefined],
    ['high', 'low'],
    [Number.NaN, Number.POSITIVE_INFINITY],
    [{}, []],
  ])('score(%j, %j) → null', (intent, fit) => {
    expect(score(intent, fit)).toBeNull()
  })

  it('always lands between 0 and 100', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.option(fc.double()), fc.option(fc.double()), (i, f, wi, wf) => {
        const s = score(i, f, wi, wf)
        if (s !== null) expect(s >= 0 && s <= 100).toBe(true)
      }),
    )
  })
})

describe('slug', () => {
  it.each([
    ['Ünïcode & Co. — 2024!', 'unicode-co-2024'],
    ['  Hello   World  ', 'hello-world'],
    ['Straße', 'strasse'],
    ['../../etc/passwd', 'etc-passwd'],
    [2024, '2024'],
  ])('%j → %j', (input, expected) => {
    expect(slug(input)).toBe(expected)
  })

  it.each([[null], [undefined], [''], ['—!?'], ['日本語'], [{}]])('%j → null', (input) => {
    expect(slug(input)).toBeNull()
  })

  it('cuts long slugs at a word boundary', () => {
    expect(slug('alpha beta gamma delta', { maxLength: 12 })).toBe('alpha-beta')
    expect(slug('x'.repeat(100), { maxLength: 10 })).toBe('xxxxxxxxxx')
    expect(slug('a b', { separator: '_' })).toBe('a_b')
  })

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(slug(slug(s))).toBe(slug(s))
      }),
    )
  })
})
