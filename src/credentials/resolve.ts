/**
 * Stored credentials for the connection resolver (name → secret and its registry metadata) and
 * for the `credential-rotation` alert rule (metadata only).
 * @module
 */
import type { ConnectionRegistry } from '../connections/registry.js'
import type { StoredSecret } from '../connections/resolve.js'
import type { CredentialInfo } from '../observe/alerts/contract.js'
import type { Store } from '../store/contract.js'
import type { Vault } from './vault.js'

export function storedSecrets(vault: Vault): (name: string) => Promise<StoredSecret | null> {
  return async (name) => {
    const meta = await vault.get(name)
    if (!meta || !vault.hasKey) return null
    return { secret: await vault.reveal(name), owner: meta.owner, rotateBy: meta.rotateBy }
  }
}

/** Stored credentials as the `credential-rotation` alert rule reads them: metadata and the connections using each. */
export async function credentialInfos(store: Store, registry: ConnectionRegistry): Promise<CredentialInfo[]> {
  const users = registry.list().filter((c) => c.credential.kind === 'stored')
  return (await store.credentials.list()).map((r) => ({
    id: r.name,
    connections: users.filter((c) => c.credential.name === r.name).map((c) => c.id),
    owner: r.owner,
    rotateBy: r.rotateBy,
  }))
}
