import { describe, expect, it } from 'vitest'
import { ErrorCodes, isPipewrightError } from '../errors.js'
import { createPayloadCipher, isSealed } from './cipher.js'
import { compilePiiPaths, openFields, sealFields } from './paths.js'

const cipher = createPayloadCipher('0123456789abcdef'.repeat(4))
const seal = (v: unknown) => cipher.seal(v)
const open = (s: string) => cipher.open(s)

describe('PII paths', () => {
  it('match at any depth, with * for one key or index', () => {
    const m = compilePiiPaths(['email', 'person.*', 'contacts.*.phone'])!
    expect(m.matches(['email'])).toBe(true)
    expect(m.matches(['lead', 'properties', 'email'])).toBe(true)
    expect(m.matches(['person', 'name'])).toBe(true)
    expect(m.matches(['event', 'person', 'name'])).toBe(true)
    expect(m.matches(['person'])).toBe(false)
    expect(m.matches(['contacts', '0', 'phone'])).toBe(true)
    expect(m.matches(['phone'])).toBe(false)
    expect(m.matches(['emails'])).toBe(false)
    expect(compilePiiPaths([])).toBeNull()
  })

  it('seal whole values (objects too), leave the rest shared, and open back to the same value', () => {
    const m = compilePiiPaths(['email', 'address'])!
    const value = {
      email: 'a@b.co',
      address: { city: 'Oslo', zip: 150 },
      n: 1,
      list: [{ email: 'c@d.co' }, { other: true }],
      none: { email: null },
    }
    const sealed = sealFields(value, m, seal) as any
    expect(isSealed(sealed.email)).toBe(true)
    expect(isSealed(sealed.address)).toBe(true)
    expect(isSealed(sealed.list[0].email)).toBe(true)
    expect(sealed.list[1]).toBe(value.list[1])
    expect(sealed.none).toBe(value.none)
    expect(value.email).toBe('a@b.co')
    expect(sealFields(sealed, m, seal)).toBe(sealed)
    expect(openFields(sealed, open)).toEqual(value)
    const plain = { n: 1, x: { y: 2 } }
    expect(sealFields(plain, m, seal)).toBe(plain)
    expect(openFields(plain, open)).toBe(plain)
  })

  it('a payload key __proto__ stays a plain field', () => {
    const value = JSON.parse('{"__proto__": {"email": "x@y.z"}}')
    const sealed = sealFields(value, compilePiiPaths(['email'])!, seal) as any
    expect(Object.getPrototypeOf(sealed)).toBe(Object.prototype)
    expect(isSealed(Object.getOwnPropertyDescriptor(sealed, '__proto__')?.value.email)).toBe(true)
  })

  it('tells a wrong key from a modified ciphertext', () => {
    const s = cipher.seal('x@y.z')
    const other = createPayloadCipher('another passphrase entirely')
    const err = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return isPipewrightError(e) ? e.code : String(e)
      }
      return 'no error'
    }
    expect(err(() => other.open(s))).toBe(ErrorCodes.CREDENTIAL_KEY)
    expect(err(() => cipher.open(`${s.slice(0, -2)}AA`))).toBe(ErrorCodes.CREDENTIAL_TAMPERED)
    expect(createPayloadCipher('another passphrase entirely', ['0123456789abcdef'.repeat(4)]).open(s)).toBe('x@y.z')
  })
})
