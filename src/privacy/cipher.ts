/**
 * AES-256-GCM for payload fields ("protect customer data at rest"), under the same
 * `PIPEWRIGHT_SECRET_KEY` as the credential store (src/credentials/cipher.ts derives the key).
 * A sealed field is one string, `pw:enc:v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url), holding
 * the field's JSON; the key id tells a wrong key apart from a modified ciphertext. Keys named in
 * `PIPEWRIGHT_SECRET_KEY_PREVIOUS` still open fields sealed before a key rotation.
 * @module
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import { deriveKey, keyIdOf } from '../credentials/cipher.js'
import { CredentialError, ErrorCodes } from '../errors.js'

/** Every sealed field starts with this. */
export const SEALED_PREFIX = 'pw:enc:v1.'
const AAD = Buffer.from('pipewright:payload-field', 'utf8')

export interface PayloadCipher {
  /** Fingerprint of the key new fields are sealed with. */
  readonly keyId: string
  /** Key ids this cipher opens (the current key and any previous ones). */
  readonly keyIds: readonly string[]
  seal(value: unknown): string
  /** Throws `PW_CREDENTIAL_KEY` for a field sealed under a key it lacks, `PW_CREDENTIAL_TAMPERED` when authentication fails. */
  open(sealed: string): unknown
}

export function isSealed(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith(SEALED_PREFIX)
}

/** `previous`: earlier keys (comma-separated in `PIPEWRIGHT_SECRET_KEY_PREVIOUS`), for opening only. */
export function createPayloadCipher(secretKey: string, previous: readonly string[] = []): PayloadCipher {
  const raw = deriveKey(secretKey)
  const keyId = keyIdOf(raw)
  // Key objects made once: a Buffer key is imported again on every call (a third of a seal's time).
  const key = createSecretKey(raw)
  const keys = new Map<string, KeyObject>([[keyId, key]])
  for (const p of previous) {
    const k = deriveKey(p)
    keys.set(keyIdOf(k), createSecretKey(k))
  }
  // Random IVs drawn 1,024 at a time: one randomBytes(12) per field cost as much as the cipher.
  const pool = Buffer.alloc(12 * 1024)
  let next = pool.length
  const freshIv = (): Buffer => {
    if (next === pool.length) {
      randomBytes(pool.length).copy(pool)
      next = 0
    }
    next += 12
    return pool.subarray(next - 12, next)
  }
  return {
    keyId,
    keyIds: [...keys.keys()],
    seal(value) {
      const iv = freshIv()
      const c = createCipheriv('aes-256-gcm', key, iv)
      c.setAAD(AAD)
      const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()])
      return `${SEALED_PREFIX}${keyId}.${iv.toString('base64url')}.${c.getAuthTag().toString('base64url')}.${body.toString('base64url')}`
    },
    open(sealed) {
      const parts = sealed.slice(SEALED_PREFIX.length).split('.')
      if (parts.length !== 4) throw tampered()
      const [id, iv, tag, body] = parts as [string, string, string, string]
      const k = keys.get(id)
      if (!k)
        throw new CredentialError(
          `a stored payload field was encrypted under another key (key id ${id}); PIPEWRIGHT_SECRET_KEY is key id ${keyId}` +
            ' — set the key it was stored with, or name the old one in PIPEWRIGHT_SECRET_KEY_PREVIOUS',
          ErrorCodes.CREDENTIAL_KEY,
        )
      try {
        const d = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'))
        d.setAAD(AAD)
        d.setAuthTag(Buffer.from(tag, 'base64url'))
        return JSON.parse(Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8'))
      } catch {
        throw tampered()
      }
    },
  }
}

function tampered(): CredentialError {
  return new CredentialError(
    'a stored payload field failed authentication: its ciphertext was modified or truncated',
    ErrorCodes.CREDENTIAL_TAMPERED,
  )
}

/** The keys of `PIPEWRIGHT_SECRET_KEY_PREVIOUS` (comma-separated). */
export function previousKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}
