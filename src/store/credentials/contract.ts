/**
 * The credential sub-store (`store.credentials`): encrypted secrets and their registry
 * metadata. The store keeps ciphertext only; encryption is src/credentials/cipher.ts.
 * @module
 */

/** One stored credential. `ciphertext` is opaque to the store. */
export interface StoredCredentialRow {
  /** Unique name, e.g. `hubspot-main`. */
  name: string
  /** Connector id the secret belongs to, when known (`hubspot`). */
  service: string | null
  ciphertext: string
  /** Fingerprint of the key that encrypted it. */
  keyId: string
  owner: string | null
  scopes: string[]
  /** Epoch ms of the first `add`. */
  createdAt: number
  /** Epoch ms of the last change of the secret (add or rotate). */
  rotatedAt: number
  /** Epoch ms by which the secret should be rotated, or null. */
  rotateBy: number | null
  /** Epoch ms at which the secret itself expires (an OAuth access token), or null. */
  expiresAt: number | null
}

export interface CredentialStore {
  /** Insert or replace by name. */
  put(row: StoredCredentialRow): Promise<void>
  get(name: string): Promise<StoredCredentialRow | null>
  /** Every credential, by name. */
  list(): Promise<StoredCredentialRow[]>
  /** True when a credential was removed. */
  remove(name: string): Promise<boolean>
  count(): Promise<number>
  /**
   * Replace the ciphertext and key id of many credentials in one transaction (key rotation):
   * all or nothing.
   */
  rewrap(rows: Array<{ name: string; ciphertext: string; keyId: string }>): Promise<void>
}
