/**
 * AES-256-GCM for stored secrets (node:crypto). The key comes from `PIPEWRIGHT_SECRET_KEY`:
 * 32 bytes as base64 or hex are used as they are; any other text of at least 16 characters is
 * a passphrase stretched with scrypt. Each secret gets a fresh 12-byte IV; the credential's
 * name is bound in as associated data, so a ciphertext copied to another name does not open.
 *
 * Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url). `keyId` is a fingerprint of the
 * key (12 hex digits of a SHA-256), so a wrong key is told apart from a tampered ciphertext.
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto'
import { CredentialError, ErrorCodes } from '../errors.js'

export interface SecretCipher {
  /** Fingerprint of the key. */
  readonly keyId: string
  encrypt(plaintext: string, name: string): string
  /** Throws `PW_CREDENTIAL_KEY` for another key, `PW_CREDENTIAL_TAMPERED` when authentication fails. */
  decrypt(ciphertext: string, name: string): string
}

const SALT = 'pipewright:credentials:v1'

/** The 32-byte key of a `PIPEWRIGHT_SECRET_KEY` value. */
export function deriveKey(value: string): Buffer {
  const text = value.trim()
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const b = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (b.length === 32) return b
  }
  if (text.length < 16)
    throw new CredentialError(
      'PIPEWRIGHT_SECRET_KEY is too short: use 32 random bytes as base64 (openssl rand -base64 32) or a passphrase of 16 characters or more',
      ErrorCodes.CREDENTIAL_KEY,
    )
  return scryptSync(text, SALT, 32)
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('pipewright-key-id').update(key).digest('hex').slice(0, 12)
}

export function createCipher(secretKey: string): SecretCipher {
  const key = deriveKey(secretKey)
  const keyId = keyIdOf(key)
  return {
    keyId,
    encrypt(plaintext, name) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      c.setAAD(Buffer.from(name, 'utf8'))
      const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
      return ['v1', keyId, iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.')
    },
    decrypt(ciphertext, name) {
      const parts = ciphertext.split('.')
      if (parts.length !== 5 || parts[0] !== 'v1')
        throw new CredentialError(`credential "${name}" is not in a format this version reads`, ErrorCodes.CREDENTIAL_TAMPERED)
      const [, id, iv, tag, body] = parts as [string, string, string, string, string]
      if (id !== keyId)
        throw new CredentialError(
          `credential "${name}" was encrypted under another key (key id ${id}); PIPEWRIGHT_SECRET_KEY is key id ${keyId}`,
          ErrorCodes.CREDENTIAL_KEY,
        )
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        d.setAAD(Buffer.from(name, 'utf8'))
        d.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8')
      } catch {
        throw new CredentialError(
          `credential "${name}" failed authentication: its stored ciphertext was modified or belongs to another name`,
          ErrorCodes.CREDENTIAL_TAMPERED,
        )
      }
    },
  }
}
