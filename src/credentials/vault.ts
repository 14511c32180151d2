/**
 * The credential vault: named secrets encrypted in `store.credentials` under
 * `PIPEWRIGHT_SECRET_KEY`, with registry metadata (service, owner, scopes, created, rotate-by).
 * Listing needs no key; reading, adding and rotating do. Nothing here returns a secret except
 * `reveal`, which only the engine's connection resolver and `credentials test` call.
 *
 * @example
 * ```ts
 * const vault = createVault({ store, secretKey: env.PIPEWRIGHT_SECRET_KEY, clock: systemClock })
 * await vault.add('hubspot-main', 'pat-…', { service: 'hubspot', owner: 'revops@acme.com', rotateEveryMs: 90 * DAY })
 * ```
 * @module
 */
import { CredentialError, ErrorCodes } from '../errors.js'
import type { Store } from '../store/contract.js'
import type { StoredCredentialRow } from '../store/credentials/contract.js'
import type { Clock } from '../types.js'
import { createCipher, type SecretCipher } from './cipher.js'

export const DAY_MS = 86_400_000
/** Rotation reminder when none is given: 90 days. */
export const DEFAULT_ROTATE_EVERY_MS = 90 * DAY_MS
/** `due` this long before the rotate-by date. */
export const DUE_SOON_MS = 14 * DAY_MS

/** A stored credential without its secret. */
export interface CredentialMeta {
  name: string
  service: string | null
  owner: string | null
  scopes: string[]
  createdAt: string
  rotatedAt: string
  rotateBy: string | null
  expiresAt: string | null
  keyId: string
  /** `ok`; `due` within 14 days of rotate-by; `overdue` past it. */
  rotation: 'ok' | 'due' | 'overdue' | 'none'
}

export interface AddOptions {
  service?: string | null
  owner?: string | null
  scopes?: string[]
  /** Epoch ms; wins over `rotateEveryMs`. Null: no reminder. */
  rotateBy?: number | null
  /** @defaultValue 90 days */
  rotateEveryMs?: number
  expiresAt?: number | null
  /** Replace an existing credential of that name. @defaultValue false */
  replace?: boolean
}

export interface Vault {
  /** Whether a key is configured (listing works without one). */
  readonly hasKey: boolean
  add(name: string, secret: string, options?: AddOptions): Promise<CredentialMeta>
  /** New secret, same metadata; the rotate-by date moves by the same interval as before unless given. */
  rotate(name: string, secret: string, options?: { rotateBy?: number | null; expiresAt?: number | null }): Promise<CredentialMeta>
  /**
   * Replace the secret with one the provider issued (a rotated OAuth refresh token): same
   * metadata, rotation dates untouched — an operator's `rotate` is still due when it was.
   */
  replaceSecret(name: string, secret: string): Promise<void>
  remove(name: string): Promise<boolean>
  list(): Promise<CredentialMeta[]>
  get(name: string): Promise<CredentialMeta | null>
  /** The secret. For the engine and `credentials test` only: never print it. */
  reveal(name: string): Promise<string>
  /** Re-encrypt every credential under `newKey` in one transaction; returns how many. */
  rotateKey(newKey: string): Promise<number>
  /** Throw `PW_CREDENTIAL_KEY` when credentials are stored but no key is set, or they are under another key. */
  assertUsable(): Promise<void>
}

const NAME = /^[a-z0-9][a-z0-9_.-]*$/i

export function createVault(options: { store: Store; secretKey?: string | null; clock: Clock }): Vault {
  const { store, clock } = options
  const cipher: SecretCipher | null = options.secretKey ? createCipher(options.secretKey) : null
  const need = (): SecretCipher => {
    if (!cipher)
      throw new CredentialError(
        'PIPEWRIGHT_SECRET_KEY is not set; the credential store encrypts with it (openssl rand -base64 32)',
        ErrorCodes.CREDENTIAL_KEY,
      )
    return cipher
  }
  const must = async (name: string): Promise<StoredCredentialRow> => {
    const row = await store.credentials.get(name)
    if (!row) throw new CredentialError(`no stored credential "${name}"`, ErrorCodes.CREDENTIAL_NOT_FOUND)
    return row
  }
  const meta = (r: StoredCredentialRow): CredentialMeta => {
    const now = clock.now()
    const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString())
    return {
      name: r.name,
      service: r.service,
      owner: r.owner,
      scopes: r.scopes,
      createdAt: new Date(r.createdAt).toISOString(),
      rotatedAt: new Date(r.rotatedAt).toISOString(),
      rotateBy: iso(r.rotateBy),
      expiresAt: iso(r.expiresAt),
      keyId: r.keyId,
      rotation: r.rotateBy === null ? 'none' : r.rotateBy <= now ? 'overdue' : r.rotateBy - now <= DUE_SOON_MS ? 'due' : 'ok',
    }
  }
  const checkSecret = (secret: string) => {
    if (typeof secret !== 'string' || secret.trim() === '')
      throw new CredentialError('the secret is empty; give it on standard input or with --from-env', ErrorCodes.CONFIG_INVALID)
  }

  return {
    hasKey: cipher !== null,
    async add(name, secret, o = {}) {
      if (!NAME.test(name))
        throw new CredentialError(`"${name}" is not a credential name; use letters, digits, ".", "-" and "_"`, ErrorCodes.CONFIG_INVALID)
      checkSecret(secret)
      const c = need()
      const existing = await store.credentials.get(name)
      if (existing && !o.replace)
        throw new CredentialError(
          `credential "${name}" exists; use "credentials rotate ${name}" to change its secret`,
          ErrorCodes.CONFIG_INVALID,
        )
      const now = clock.now()
      const row: StoredCredentialRow = {
        name,
        service: o.service ?? null,
        ciphertext: c.encrypt(secret.trim(), name),
        keyId: c.keyId,
        owner: o.owner ?? null,
        scopes: o.scopes ?? [],
        createdAt: existing?.createdAt ?? now,
        rotatedAt: now,
        rotateBy: o.rotateBy !== undefined ? o.rotateBy : now + (o.rotateEveryMs ?? DEFAULT_ROTATE_EVERY_MS),
        expiresAt: o.expiresAt ?? null,
      }
      await store.credentials.put(row)
      return meta(row)
    },
    async rotate(name, secret, o = {}) {
      checkSecret(secret)
      const c = need()
      const old = await must(name)
      const now = clock.now()
      const every = old.rotateBy === null ? null : old.rotateBy - old.rotatedAt
      const row: StoredCredentialRow = {
        ...old,
        ciphertext: c.encrypt(secret.trim(), name),
        keyId: c.keyId,
        rotatedAt: now,
        rotateBy: o.rotateBy !== undefined ? o.rotateBy : every === null ? null : now + every,
        expiresAt: o.expiresAt !== undefined ? o.expiresAt : old.expiresAt,
      }
      await store.credentials.put(row)
      return meta(row)
    },
    async replaceSecret(name, secret) {
      checkSecret(secret)
      const c = need()
      const old = await must(name)
      await store.credentials.put({ ...old, ciphertext: c.encrypt(secret.trim(), name), keyId: c.keyId })
    },
    remove: (name) => store.credentials.remove(name),
    list: async () => (await store.credentials.list()).map(meta),
    get: async (name) => {
      const r = await store.credentials.get(name)
      return r ? meta(r) : null
    },
    async reveal(name) {
      const c = need()
      const row = await must(name)
      return c.decrypt(row.ciphertext, name)
    },
    async rotateKey(newKey) {
      const c = need()
      const next = createCipher(newKey)
      const rows = await store.credentials.list()
      // Every secret is opened with the current key before anything is written.
      const plain = rows.map((r) => ({ name: r.name, secret: c.decrypt(r.ciphertext, r.name) }))
      await store.credentials.rewrap(plain.map((p) => ({ name: p.name, ciphertext: next.encrypt(p.secret, p.name), keyId: next.keyId })))
      return rows.length
    },
    async assertUsable() {
      const rows = await store.credentials.list()
      if (rows.length === 0) return
      if (!cipher)
        throw new CredentialError(
          `${rows.length} credential${rows.length === 1 ? ' is' : 's are'} stored but PIPEWRIGHT_SECRET_KEY is not set; set the key they were stored with`,
          ErrorCodes.CREDENTIAL_KEY,
        )
      const other = rows.filter((r) => r.keyId !== cipher.keyId)
      if (other.length)
        throw new CredentialError(
          `PIPEWRIGHT_SECRET_KEY (key id ${cipher.keyId}) is not the key of stored credential${other.length === 1 ? '' : 's'} ${other
            .map((r) => `"${r.name}" (key id ${r.keyId})`)
            .join(', ')}`,
          ErrorCodes.CREDENTIAL_KEY,
        )
    },
  }
}
