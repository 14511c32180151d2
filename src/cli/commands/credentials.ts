/**
 * `pipewright credentials add | list | rotate | remove | test | rotate-key` (docs/credentials.md).
 * Secrets come in on standard input or from a named environment variable (`--from-env`), never
 * as an argument (which shell history and `ps` would keep), and no command prints one.
 * @module
 */
import { loadConnections } from '../../connections/registry.js'
import type { ConnectionInfo } from '../../connections/types.js'
import { mergeAllowLists, parseAllowList } from '../../connectors/net/address-policy.js'
import { createGuardedDispatcher } from '../../connectors/net/guarded-dispatcher.js'
import { builtinConnectors } from '../../connectors/registry.js'
import { probeCredential } from '../../credentials/probe.js'
import { storedCredentialAccess, storedSecrets } from '../../credentials/resolve.js'
import { type CredentialMeta, createVault, type Vault } from '../../credentials/vault.js'
import { systemClock } from '../../engine/clock.js'
import { audit } from '../../engine/governance.js'
import { tryParseDuration } from '../../pipeline/duration.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import type { Store } from '../../store/contract.js'
import { createStore } from '../../store/index.js'
import { type CliIo, table, UsageError } from '../io.js'
import { cliActor } from './governance.js'

interface DbOpts {
  db?: string
  json?: boolean
}

interface SecretOpts extends DbOpts {
  fromEnv?: string
  rotateBy?: string
  rotateEvery?: string
}

async function withVault<T>(io: CliIo, opts: DbOpts, fn: (vault: Vault, store: Store) => Promise<T>): Promise<T> {
  const store = await createStore(resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  await store.migrate()
  try {
    return await fn(createVault({ store, secretKey: io.env.PIPEWRIGHT_SECRET_KEY || null, clock: systemClock }), store)
  } finally {
    await store.close()
  }
}

async function readSecret(io: CliIo, opts: SecretOpts): Promise<string> {
  if (opts.fromEnv) {
    const v = io.env[opts.fromEnv]
    if (!v) throw new UsageError(`--from-env ${opts.fromEnv}: the variable is not set`)
    return v
  }
  const text = (await io.stdin()).replace(/\r?\n$/, '')
  if (!text.trim())
    throw new UsageError('give the secret on standard input (e.g. `pbpaste | pipewright credentials add …`) or with --from-env VAR')
  return text
}

function rotateByOf(opts: SecretOpts, now: number): { rotateBy?: number | null; rotateEveryMs?: number } {
  if (opts.rotateBy !== undefined) {
    if (opts.rotateBy === 'never') return { rotateBy: null }
    const t = Date.parse(opts.rotateBy)
    if (!Number.isFinite(t)) throw new UsageError(`--rotate-by must be a date like 2027-03-01 or "never", got ${opts.rotateBy}`)
    return { rotateBy: t }
  }
  if (opts.rotateEvery !== undefined) {
    const ms = tryParseDuration(opts.rotateEvery)
    if (typeof ms === 'string' || ms <= 0) throw new UsageError(`--rotate-every must be a duration like 90d, got ${opts.rotateEvery}`)
    return { rotateBy: now + ms }
  }
  return {}
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—')

function describe(m: CredentialMeta, usedBy: string[]) {
  return { ...m, usedBy }
}

async function registryOf(io: CliIo, vault: Vault): Promise<ConnectionInfo[]> {
  try {
    return (
      await loadConnections({ cwd: io.cwd, env: io.env, connectors: builtinConnectors(), stored: storedSecrets(vault) })
    ).registry.list()
  } catch {
    return []
  }
}

const usersOf = (infos: ConnectionInfo[], name: string) =>
  infos.filter((c) => c.credential.kind === 'stored' && c.credential.name === name).map((c) => c.id)

export async function credentialsAdd(io: CliIo, name: string, opts: SecretOpts & { service?: string; owner?: string; scopes?: string }) {
  const secret = await readSecret(io, opts)
  return withVault(io, opts, async (vault, store) => {
    const m = await vault.add(name, secret, {
      service: opts.service ?? null,
      owner: opts.owner ?? null,
      scopes: opts.scopes
        ? opts.scopes
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
      ...rotateByOf(opts, Date.now()),
    })
    await audit(store, systemClock, {
      actor: cliActor(io),
      action: 'credential.add',
      target: `credential:${m.name}`,
      details: { service: m.service },
    })
    io.out(opts.json ? JSON.stringify(m) : `stored credential ${m.name} (${m.service ?? 'no service'}); rotate by ${day(m.rotateBy)}`)
    return 0
  })
}

export async function credentialsRotate(io: CliIo, name: string, opts: SecretOpts) {
  const secret = await readSecret(io, opts)
  return withVault(io, opts, async (vault, store) => {
    const m = await vault.rotate(name, secret, rotateByOf(opts, Date.now()))
    await audit(store, systemClock, { actor: cliActor(io), action: 'credential.rotate', target: `credential:${m.name}` })
    io.out(
      opts.json
        ? JSON.stringify(m)
        : `rotated credential ${m.name}; rotate next by ${day(m.rotateBy)} (running hubs on this database use it within 10 s)`,
    )
    return 0
  })
}

export async function credentialsRemove(io: CliIo, name: string, opts: DbOpts) {
  return withVault(io, opts, async (vault, store) => {
    if (!(await vault.remove(name))) {
      io.err(`no stored credential "${name}"`)
      return 1
    }
    await audit(store, systemClock, { actor: cliActor(io), action: 'credential.remove', target: `credential:${name}` })
    io.out(`removed credential ${name}`)
    return 0
  })
}

export async function credentialsList(io: CliIo, opts: DbOpts) {
  return withVault(io, opts, async (vault) => {
    const list = await vault.list()
    const infos = await registryOf(io, vault)
    const rows = list.map((m) => describe(m, usersOf(infos, m.name)))
    if (opts.json) io.out(JSON.stringify(rows))
    else
      io.out(
        table(
          rows.map((r) => ({
            ...r,
            service: r.service ?? '—',
            owner: r.owner ?? '—',
            scopes: r.scopes.join(',') || '—',
            created: day(r.createdAt),
            'rotate-by': day(r.rotateBy),
            'used-by': r.usedBy.join(',') || '—',
          })),
          ['name', 'service', 'owner', 'scopes', 'created', 'rotate-by', 'rotation', 'used-by'],
        ),
      )
    return 0
  })
}

export async function credentialsTest(io: CliIo, names: string[], opts: DbOpts) {
  return withVault(io, opts, async (vault, store) => {
    const access = storedCredentialAccess({ vault, store, clock: systemClock })
    await vault.assertUsable()
    const all = await vault.list()
    const chosen = names.length ? names.map((n) => all.find((m) => m.name === n) ?? n) : all
    const infos = await registryOf(io, vault)
    const processAllow = parseAllowList(io.env.PIPEWRIGHT_ALLOW_PRIVATE_NETWORK)
    const results: Array<{ name: string; service: string | null; ok: boolean; status: number; message: string; durationMs: number }> = []
    for (const m of chosen) {
      if (typeof m === 'string') {
        results.push({ name: m, service: null, ok: false, status: 0, message: `no stored credential "${m}"`, durationMs: 0 })
        continue
      }
      const conn = infos.find((c) => c.credential.kind === 'stored' && c.credential.name === m.name)
      const service = m.service ?? conn?.service ?? null
      if (!service) {
        results.push({ name: m.name, service, ok: false, status: 0, message: 'no service: add it with --service', durationMs: 0 })
        continue
      }
      const baseUrl = conn?.baseUrl ?? io.env[`${service.toUpperCase()}_BASE_URL`]
      const dispatcher = createGuardedDispatcher({
        allow: mergeAllowLists(processAllow, parseAllowList(conn?.allowPrivateNetwork === false ? undefined : conn?.allowPrivateNetwork)),
      })
      try {
        const r = await probeCredential(service, await vault.reveal(m.name), {
          dispatcher,
          credential: access(m.name),
          ...(baseUrl ? { baseUrl } : {}),
        })
        results.push({ name: m.name, service, ...r })
      } finally {
        await dispatcher.close().catch(() => undefined)
      }
    }
    if (opts.json) io.out(JSON.stringify(results))
    else
      for (const r of results)
        io.out(`${r.ok ? '✓' : '✗'} ${r.name} (${r.service ?? '?'}): ${r.message}${r.status ? ` in ${r.durationMs} ms` : ''}`)
    return results.every((r) => r.ok) ? 0 : 1
  })
}

export async function credentialsRotateKey(io: CliIo, opts: DbOpts & { fromEnv?: string }) {
  const from = opts.fromEnv ?? 'PIPEWRIGHT_NEW_SECRET_KEY'
  const next = io.env[from]
  if (!next)
    throw new UsageError(
      `set the new key in ${from} (or name another variable with --from-env); the current key stays in PIPEWRIGHT_SECRET_KEY`,
    )
  return withVault(io, opts, async (vault, store) => {
    await vault.assertUsable()
    const n = await vault.rotateKey(next)
    await audit(store, systemClock, { actor: cliActor(io), action: 'credential.rotate-key', target: 'credentials', details: { count: n } })
    io.out(`re-encrypted ${n} credential${n === 1 ? '' : 's'} under the new key; now set PIPEWRIGHT_SECRET_KEY to the value of ${from}`)
    return 0
  })
}
