/**
 * HubSpot OAuth refresh tokens: a connection whose credential is a public app's
 * `{ clientId, clientSecret, refreshToken }` gets access tokens from the emulator's token
 * endpoint, reuses one while it is valid, refreshes a minute before it expires (no call ever
 * meets an expired token), refreshes once after a 401 for a token the account expired early, and
 * never shows the refresh token. An app whose refresh token HubSpot rotates, kept in the credential
 * store: the new token is written back encrypted (audited), the next start uses it, and another
 * process picks it up at its next refresh without a restart.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConnections } from '../src/connections/registry.js'
import type { ActionCall } from '../src/connectors/contract.js'
import { createGateway, type Gateway } from '../src/connectors/gateway/index.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { builtinConnectors } from '../src/connectors/registry.js'
import { storedCredentialAccess, storedSecrets } from '../src/credentials/resolve.js'
import { createVault } from '../src/credentials/vault.js'
import { ManualClock } from '../src/engine/clock.js'
import type { Store } from '../src/store/contract.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { tempDir } from './helpers/engine.js'
import { loopbackGateway } from './helpers/net.js'

const APP = { clientId: 'client-123', clientSecret: 'client-secret-abcdef', refreshToken: 'refresh-token-9f8e7d6c' }
let tmp: ReturnType<typeof tempDir>
let store: Store
let gateway: Gateway | undefined
const clock = new ManualClock(Date.parse('2026-12-07T12:00:00Z'))
const emulator = hubspotEmulator({ clock, tokens: ['nobody'], oauth: { ...APP, expiresInSeconds: 600 } })

beforeEach(async () => {
  tmp = tempDir('pw-hubspot-oauth-')
  store = createSqliteStore({ path: join(tmp.dir, 'pw.db') })
  await store.migrate()
  emulator.reset()
  await emulator.listen()
})
afterEach(async () => {
  await gateway?.close()
  await store.close()
  await emulator.close()
  tmp.cleanup()
})

let n = 0
const search = (): ActionCall => {
  n++
  return {
    ref: 'hubspot.search',
    connection: 'app',
    input: { objectType: 'companies', filters: [{ propertyName: 'domain', operator: 'EQ', value: 'acme.com' }] },
    runId: `run_${n}`,
    pipelineId: 'p',
    stepId: 's',
    attempt: 1,
    idempotencyKey: `run_${n}:s`,
    signal: new AbortController().signal,
  }
}

async function open(secret: string) {
  mkdirSync(join(tmp.dir, 'connections'))
  writeFileSync(
    join(tmp.dir, 'connections', 'hubspot.yaml'),
    `id: hubspot:app\ncredential: { env: HUBSPOT_APP }\nbaseUrl: ${emulator.url}\n`,
  )
  const connectors = builtinConnectors()
  const loaded = await loadConnections({ cwd: tmp.dir, env: { HUBSPOT_APP: secret }, connectors })
  gateway = createGateway({ ...loopbackGateway, connectors, connections: loaded.raw, store, clock })
  return loaded
}

const tokenCalls = () => emulator.requests().filter((r) => r.path === '/oauth/v1/token')
const apiCalls = () => emulator.requests().filter((r) => r.path !== '/oauth/v1/token')

describe('HubSpot OAuth refresh', () => {
  it('reuses an access token while valid and refreshes it a minute before it expires', async () => {
    const loaded = await open(JSON.stringify(APP))
    expect(loaded.registry.get('hubspot:app')).toMatchObject({ active: true, credential: { kind: 'env', status: 'present' } })
    expect(loaded.secrets).toEqual(expect.arrayContaining([APP.refreshToken, APP.clientSecret]))
    await gateway!.execute(search())
    clock.advance(300_000)
    await gateway!.execute(search())
    expect(tokenCalls()).toHaveLength(1)
    // 9 min 30 s in: 30 s left on a 10-minute token, inside the one-minute margin.
    clock.advance(270_000)
    await gateway!.execute(search())
    expect(tokenCalls()).toHaveLength(2)
    expect(tokenCalls()[0]!.body).toMatchObject({ grant_type: 'refresh_token', client_id: APP.clientId, refresh_token: APP.refreshToken })
    expect(apiCalls().map((r) => r.status)).toEqual([200, 200, 200])
    const [first, , third] = apiCalls().map((r) => r.headers.authorization)
    expect(first).not.toBe(third)
  })

  it('after an idle gap past expiry, refreshes before the call instead of sending an expired token', async () => {
    await open(JSON.stringify(APP))
    await gateway!.execute(search())
    // Past expiry without a call in between: the cached token is stale, the next call refreshes first.
    clock.advance(700_000)
    await gateway!.execute(search())
    expect(tokenCalls()).toHaveLength(2)
    expect(apiCalls().every((r) => r.status === 200)).toBe(true)
  })

  it('a 401 for a token HubSpot expired early drops it, refreshes, and sends the call once more', async () => {
    // An account whose clock runs ahead of ours: a token we think valid has expired there.
    const theirs = new ManualClock(clock.now())
    const ahead = hubspotEmulator({ clock: theirs, tokens: ['nobody'], oauth: { ...APP, expiresInSeconds: 600 } })
    await ahead.listen()
    try {
      const connectors = builtinConnectors()
      const connections = { hubspot: { app: { oauth: APP, baseUrl: ahead.url } } }
      gateway = createGateway({ ...loopbackGateway, connectors, connections, store, clock })
      await gateway.execute(search())
      theirs.advance(650_000)
      await gateway.execute(search())
      const calls = ahead.requests()
      expect(calls.filter((r) => r.path === '/oauth/v1/token')).toHaveLength(2)
      expect(calls.filter((r) => r.path !== '/oauth/v1/token').map((r) => r.status)).toEqual([200, 401, 200])
    } finally {
      await gateway?.close()
      gateway = undefined
      await ahead.close()
    }
  })

  it('a refused refresh token is a permanent error that does not show it', async () => {
    await open(JSON.stringify({ ...APP, refreshToken: 'refresh-token-revoked-000' }))
    const e = await gateway!.execute(search()).catch((x: Error) => x)
    expect(e).toMatchObject({ name: 'NonRetryableError', message: expect.stringContaining('HubSpot OAuth refresh refused: HTTP 400') })
    expect(JSON.stringify({ message: (e as Error).message, ...(e as object) })).not.toContain('refresh-token-revoked-000')
    expect(apiCalls()).toHaveLength(0)
  })
})

describe('HubSpot OAuth with a rotating refresh token in the credential store', () => {
  const KEY = 'Qm9vdHN0cmFwLWtleS1mb3ItdGVzdHMtb25seS0zMmI='
  const rotating = hubspotEmulator({ clock, tokens: ['nobody'], oauth: { ...APP, expiresInSeconds: 600, rotateRefreshTokens: true } })
  const extra: Gateway[] = []
  beforeEach(async () => {
    rotating.reset()
    await rotating.listen()
  })
  afterEach(async () => {
    while (extra.length) await extra.pop()!.close()
    await rotating.close()
  })

  /** One process: its connections loaded from the store (as at start-up), and its gateway. */
  async function process() {
    const vault = createVault({ store, secretKey: KEY, clock })
    const connectors = builtinConnectors()
    const loaded = await loadConnections({
      cwd: tmp.dir,
      env: {},
      connectors,
      stored: storedSecrets(vault),
      storedAccess: storedCredentialAccess({ vault, store, clock }),
    })
    const g = createGateway({ ...loopbackGateway, connectors, connections: loaded.raw, store, clock })
    extra.push(g)
    return g
  }
  const tokenBodies = () => rotating.requests().filter((r) => r.path === '/oauth/v1/token')
  const stored = async () => JSON.parse(await createVault({ store, secretKey: KEY, clock }).reveal('hubspot-app')) as typeof APP

  it('writes the rotated token back encrypted; the next start and another process use it', async () => {
    mkdirSync(join(tmp.dir, 'connections'))
    writeFileSync(
      join(tmp.dir, 'connections', 'hubspot.yaml'),
      `id: hubspot:app\ncredential: { credential: hubspot-app }\nbaseUrl: ${rotating.url}\n`,
    )
    await createVault({ store, secretKey: KEY, clock }).add('hubspot-app', JSON.stringify(APP), { service: 'hubspot', rotateBy: null })

    const a = await process()
    await a.execute(search())
    const first = await stored()
    expect(first.refreshToken).toMatch(/^rt-1-/)
    expect(first).toMatchObject({ clientId: APP.clientId, clientSecret: APP.clientSecret })
    expect(JSON.stringify(await store.credentials.get('hubspot-app'))).not.toContain(first.refreshToken)
    expect((await createVault({ store, secretKey: KEY, clock }).get('hubspot-app'))?.rotateBy).toBeNull()
    const entries = await store.audit.list({})
    expect(entries).toEqual([
      expect.objectContaining({ actor: 'system:provider', action: 'credential.rotate', target: 'credential:hubspot-app' }),
    ])
    expect(JSON.stringify(entries)).not.toContain(first.refreshToken)

    // A second process (or the next start) reads the stored token: HubSpot already refuses the first one.
    const b = await process()
    await b.execute(search())
    expect(tokenBodies().map((r) => (r.body as Record<string, string>).refresh_token)).toEqual([APP.refreshToken, first.refreshToken])
    const second = await stored()
    expect(second.refreshToken).toMatch(/^rt-2-/)

    // The first process, once its access token is due, refreshes with what the second stored: no restart.
    clock.advance(600_000)
    await a.execute(search())
    expect((tokenBodies()[2]!.body as Record<string, string>).refresh_token).toBe(second.refreshToken)
    expect((await stored()).refreshToken).toMatch(/^rt-3-/)
    expect(
      rotating
        .requests()
        .filter((r) => r.path !== '/oauth/v1/token')
        .map((r) => r.status),
    ).toEqual([200, 200, 200])
  })
})
