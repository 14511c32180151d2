/**
 * Stored credentials for the connection resolver: name → secret and its registry metadata.
 * @module
 */
import type { StoredSecret } from '../connections/resolve.js'
import type { Vault } from './vault.js'

export function storedSecrets(vault: Vault): (name: string) => Promise<StoredSecret | null> {
  return async (name) => {
    const meta = await vault.get(name)
    if (!meta || !vault.hasKey) return null
    return { secret: await vault.reveal(name), owner: meta.owner, rotateBy: meta.rotateBy }
  }
}
