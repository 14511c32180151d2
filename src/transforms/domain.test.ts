import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { domain } from './domain.js'

describe('normalize.domain', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['ACME.COM', 'acme.com'],
    ['  https://www.acme.com/pricing?x=1#top  ', 'acme.com'],
    ['http://user:p@ss@shop.Acme.co.uk:8443/path', 'acme.co.uk'],
    ['//cdn.acme.io/x.js', 'acme.io'],
    ['acme.com.', 'acme.com'],
    ['jane.doe@mail.acme.com', 'acme.com'],
    ['mailto:jane@acme.de', 'acme.de'],
    ['MÜNCHEN.de', 'xn--mnchen-3ya.de'],
    ['https://bücher.example.com', 'example.com'],
    ['ａｃｍｅ。com', 'acme.com'],
    ['acme.com\\evil', 'acme.com'],
    ['\u200bacme.com\u200b', 'acme.com'],
    ['acme.myshopify.com', 'acme.myshopify.com'],
  ])('%j → %j', (input, expected) => {
    expect(domain(input)).toBe(expected)
  })

  it.each([
    [null],
    [undefined],
    [42],
    [{ host: 'acme.com' }],
    [''],
    ['   '],
    ['ACME, Inc.'],
    ['localhost'],
    ['http://localhost:3000'],
    ['127.0.0.1'],
    ['http://[::1]:80/'],
    ['co.uk'],
    ['acme.notarealtld'],
    ['acme'],
    ['-acme.com'],
    ['acme..com'],
    ['ac me.com'],
    ['<script>alert(1)</script>.com'],
    ["acme.com' OR 1=1 --"],
    [`${'a'.repeat(64)}.com`],
    [`${'a.'.repeat(5000)}com`],
  ])('%j → null', (input) => {
    expect(domain(input)).toBeNull()
  })

  it('keeps the subdomain on request, dropping www', () => {
    expect(domain('https://www.shop.acme.co.uk/x', { keepSubdomain: true })).toBe('shop.acme.co.uk')
    expect(domain('www.www.acme.com', { keepSubdomain: true })).toBe('acme.com')
    expect(domain('www.com', { keepSubdomain: true })).toBe('www.com')
  })

  it('can collapse private suffixes to their owner', () => {
    expect(domain('acme.myshopify.com', { privateSuffixes: false })).toBe('myshopify.com')
  })

  it('is idempotent', () => {
    const hosts = fc.oneof(fc.webUrl(), fc.domain(), fc.emailAddress(), fc.string(), fc.string({ unit: 'grapheme' }))
    fc.assert(
      fc.property(hosts, fc.boolean(), (input, keepSubdomain) => {
        const once = domain(input, { keepSubdomain })
        expect(domain(once, { keepSubdomain })).toBe(once)
      }),
      { numRuns: 500 },
    )
  })
})
