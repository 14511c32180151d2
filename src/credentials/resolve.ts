/**
 * Stored credentials for the connection resolver (name → secret and its registry metadata) and
 * for the `credential-rotation` alert rule (metadata only).
 * @module
 */
import type { ConnectionRegistry } from '../connections/registry.js'
import { jsonSecrets, type StoredSecret } from '../connections/resolve.js'
import type { StoredCredentialAccess } from '../connectors/contract.js'
import { audit } from '../engine/governance.js'
import type { CredentialInfo } from '../observe/alerts/contract.js'
import type { Store } from '../store/contract.js'
import type { Clock } from '../types.js'
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

/**
 * Access to stored credentials for the connections using them (`ctx.credential`): read the
 * current secret, and write one the provider rotated — re-encrypted, metadata kept, recorded in
 * the audit log as `credential.rotate` by `system:provider`, and masked from then on (`onSecret`).
 */
export function storedCredentialAccess(o: {
  vault: Vault
  store: Store
  clock: Clock
  onSecret?: (values: string[]) => void
}): (name: string) => StoredCredentialAccess {
  return (name) => ({
    name,
    read: async () => (o.vault.hasKey && (await o.vault.get(name)) ? o.vault.reveal(name) : null),
    async write(secret) {
      o.onSecret?.([secret, ...jsonSecrets(secret)])
      await o.vault.replaceSecret(name, secret)
      await audit(o.store, o.clock, {
        actor: 'system:provider',
        action: 'credential.rotate',
        target: `credential:${name}`,
        details: { reason: 'the provider issued a new refresh token' },
      })
    },
  })
}
