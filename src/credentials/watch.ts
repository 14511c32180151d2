/**
 * Rotated credentials without a restart: a running hub reads the credential store's rows every
 * few seconds (one small query; no secret is opened unless a row changed) and, when a stored
 * credential's ciphertext differs from the one its connections were built with, opens it and
 * hands the new secret to `onRotated` — which gives the connections using it their new settings
 * (the gateway's `replaceSettings`) and adds the secret to the redaction list.
 * @module
 */
import { applyCredential } from '../connections/credential-fields.js'
import type { ConnectionRegistry } from '../connections/registry.js'
import type { RawConnections } from '../connectors/gateway/connections.js'
import type { Gateway } from '../connectors/gateway/index.js'
import type { Store } from '../store/contract.js'
import type { Vault } from './vault.js'

export interface CredentialWatch {
  /** Read the store now (tests, and after this process changed a credential). */
  check(): Promise<void>
  stop(): void
}

export function watchStoredCredentials(options: {
  store: Store
  vault: Vault
  /** The rows as read before the connections were built (a rotation after that read is caught). */
  baseline: ReadonlyArray<{ name: string; ciphertext: string }>
  /** @defaultValue 10000 */
  intervalMs?: number
  onRotated(name: string, secret: string): void
  onError(error: unknown): void
}): CredentialWatch {
  // Ciphertext seen per credential, starting from what the connections were built from.
  const seen = new Map(options.baseline.map((r) => [r.name, r.ciphertext]))
  let running: Promise<void> | null = null
  const read = async () => {
    const rows = await options.store.credentials.list()
    for (const row of rows) {
      const before = seen.get(row.name)
      seen.set(row.name, row.ciphertext)
      // A credential added since start is used by no connection built then.
      if (before === undefined || before === row.ciphertext) continue
      options.onRotated(row.name, await options.vault.reveal(row.name))
    }
  }
  const check = () => {
    running ??= read()
      .catch(options.onError)
      .finally(() => {
        running = null
      })
    return running
  }
  const timer = options.vault.hasKey ? setInterval(() => void check(), options.intervalMs ?? 10_000) : null
  timer?.unref()
  return {
    check,
    stop: () => {
      if (timer) clearInterval(timer)
    },
  }
}

/**
 * Give every connection whose credential is the stored `name` its settings with `secret`
 * (`replaceSettings`); returns the ids of the connections that changed.
 */
export function useRotatedCredential(
  configured: { raw: RawConnections; registry: ConnectionRegistry },
  gateway: Pick<Gateway, 'replaceSettings'>,
  name: string,
  secret: string,
): string[] {
  const changed: string[] = []
  for (const c of configured.registry.list()) {
    if (c.credential.kind !== 'stored' || c.credential.name !== name) continue
    const raw = configured.raw[c.service]?.[c.name]
    if (!raw) continue
    const next = { ...raw, ...applyCredential(c.service, secret) }
    if (gateway.replaceSettings(c.service, c.name, next)) changed.push(c.id)
    configured.raw[c.service]![c.name] = next
  }
  return changed
}
