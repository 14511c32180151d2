import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { email, emailInfo } from './email.js'

describe('normalize.email', () => {
  it.each([
    ['jane@acme.com', 'jane@acme.com'],
    ['  Jane.Doe@ACME.com\n', 'jane.doe@acme.com'],
    ['Jane Doe <Jane@Acme.com>', 'jane@acme.com'],
    ['mailto:jane@acme.com', 'jane@acme.com'],
    ['jane+news@acme.co.uk', 'jane+news@acme.co.uk'],
    ['j.doe@mail.acme.co.uk', 'j.doe@mail.acme.co.uk'],
    ['jane@acme.com.', 'jane@acme.com'],
    ['jane@MÜNCHEN.de', 'jane@xn--mnchen-3ya.de'],
    ["o'brien@acme.ie", "o'brien@acme.ie"],
    ['J.Doe+x@gmail.com', 'j.doe+x@gmail.com'],
  ])('%j → %j', (input, expected) => {
    expect(email(input)).toBe(expected)
  })

  it.each([
    [null],
    [undefined],
    [12345],
    [['jane@acme.com']],
    [''],
    ['jane'],
    ['@acme.com'],
    ['jane@'],
    ['jane@acme'],
    ['jane@localhost'],
    ['jane@127.0.0.1'],
    ['jane@[127.0.0.1]'],
    ['jane..doe@acme.com'],
    ['.jane@acme.com'],
    ['jane.@acme.com'],
    ['"jane doe"@acme.com'],
    ['jane doe@acme.com'],
    ['jane@acme.com/path'],
    ['jane@acme.com:25'],
    ['jane@acme.notarealtld'],
    ['jane@acme.com<script>'],
    ["x' OR '1'='1@acme.com"],
    ['jane@acme.com\r\nBcc: victim@evil.com'],
    ['jäne@acme.com'],
    [`${'a'.repeat(65)}@acme.com`],
    [`jane@${'a'.repeat(250)}.com`],
    ['a@b@'.repeat(1000)],
  ])('%j → null', (input) => {
    expect(email(input)).toBeNull()
    expect(emailInfo(input)).toEqual({ email: null, valid: false, role: false, disposable: false, domain: null })
  })

  it('flags role accounts and disposable domains', () => {
    expect(emailInfo('Info@Mailinator.com')).toEqual({
      email: 'info@mailinator.com',
      valid: true,
      role: true,
      disposable: true,
      domain: 'mailinator.com',
    })
    expect(emailInfo('no-reply+bounce@acme.com')).toMatchObject({ role: true, disposable: false })
    expect(emailInfo('sales@eu.acme.com')).toMatchObject({ role: true, domain: 'eu.acme.com' })
    expect(emailInfo('x@sub.yopmail.com')).toMatchObject({ disposable: true })
    expect(emailInfo('jane@acme.com')).toMatchObject({ role: false, disposable: false, valid: true })
  })

  it('folds Gmail addresses only when asked', () => {
    expect(email('J.Doe+news@googlemail.com', { gmailFolding: true })).toBe('jdoe@gmail.com')
    expect(email('J.Doe+news@gmail.com')).toBe('j.doe+news@gmail.com')
    expect(email('j.doe+news@acme.com', { gmailFolding: true })).toBe('j.doe+news@acme.com')
    expect(email('+news@gmail.com', { gmailFolding: true })).toBeNull()
  })

  it('is idempotent', () => {
    const inputs = fc.oneof(
      fc.emailAddress(),
      fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
      fc.tuple(fc.string(), fc.domain()).map(([l, d]) => `${l}@${d}`),
      fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9.+_-]{1,20}$/), fc.constantFrom('acme.com', 'GMAIL.com', 'googlemail.com', 'mail.acme.co.uk'))
        .map(([l, d]) => `${l}@${d}`),
      fc.string(),
    )
    fc.assert(
      fc.property(inputs, fc.boolean(), (input, gmailFolding) => {
        const once = email(input, { gmailFolding })
        expect(email(once, { gmailFolding })).toBe(once)
      }),
      { numRuns: 500 },
    )
  })
})
