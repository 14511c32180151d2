/**
 * A credential rotated in the store while the hub runs (`pipewright credentials rotate` from
 * another process) is used by its connections within the refresh interval, without a restart:
 * the next HubSpot call carries the new token, the new token is masked, and the old one is no
 * longer sent. Settings equal to the current ones are left alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import type { ActionCall } from '../src/connectors/contract.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { recordingIo } from './helpers/cli.js'
import { eventually, tempDir } from './helpers/engine.js'
import { LOOPBACK_ALLOWED } from './helpers/net.js'

const KEY = 'cm90YXRpb24td2l0aG91dC1yZXN0YXJ0LXRlc3Qta2V5'
const OLD = 'pat-na1-old-7c1d4e2f'
const NEW = 'pat-na1-new-93ab50e6'
const APP = { clientId: 'client-live-1', clientSecret: 'client-secret-live-5e2a', refreshToken: 'refresh-token-live-77d0' }
const hubspot = hubspotEmulator({ tokens: [OLD, NEW], oauth: { ...APP, rotateRefreshTokens: true } })
let tmp: ReturnType<typeof tempDir>
let runtime: Runtime | null = null

beforeEach(async () => {
  tmp = tempDir('pw-live-rotation-')
  await hubspot.listen({ host: '127.0.0.1', port: 0 })
  hubspot.reset()
})
afterEach(async () => {
  await runtime?.close(1000)
  runtime = null
  await hubspot.close()
  tmp.cleanup()
})

let n = 0
const search = (): ActionCall => {
  n++
  return {
    ref: 'hubspot.search',
    connection: 'main',
    input: { objectType: 'companies', filters: [{ propertyName: 'domain', operator: 'EQ', value: 'acme.com' }] },
    runId: `run_${n}`,
    pipelineId: 'p',
    stepId: 's',
    attempt: 1,
    idempotencyKey: `run_${n}:s`,
    signal: new AbortController().signal,
  }
}

/** A hub on `db` whose `hubspot:main` connection uses the stored credential `name`, re-read every `refreshMs`. */
async function startOn(db: string, name: string, refreshMs: number) {
  mkdirSync(join(tmp.dir, 'connections'))
  writeFileSync(
    join(tmp.dir, 'connections', 'hubspot.yaml'),
    `id: hubspot:main\ncredential: { credential: ${name} }\nbaseUrl: ${hubspot.url}\n`,
  )
  return createRuntime({
    cwd: tmp.dir,
    env: { PIPEWRIGHT_SECRET_KEY: KEY },
    databaseUrl: db,
    pipelines: [],
    logLevel: 'silent',
    observe: false,
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    credentialRefreshMs: refreshMs,
  })
}

describe('a stored credential rotated while running', () => {
  it('is used by the next call, without a restart, and masked', async () => {
    const db = `sqlite:${join(tmp.dir, 'pw.db')}`
    const cli = async (argv: string[], stdin = '') => {
      const io = recordingIo(tmp.dir, { PIPEWRIGHT_SECRET_KEY: KEY }, stdin)
      return main([...argv, '--db', db], io)
    }
    expect(await cli(['credentials', 'add', 'hubspot-main', '--service', 'hubspot'], OLD)).toBe(0)
    runtime = await startOn(db, 'hubspot-main', 50)
    const auth = () => hubspot.requests().map((r) => r.headers.authorization)
    await runtime.gateway.execute(search())
    expect(auth()).toEqual([`Bearer ${OLD}`])

    // Another process rotates it (the CLI, on the same database).
    expect(await cli(['credentials', 'rotate', 'hubspot-main'], NEW)).toBe(0)
    // The hub reads the store every 50 ms; a call made once it has seen the rotation carries the new token.
    const rt = runtime
    await eventually(async () => {
      await rt.gateway.execute(search())
      return auth().at(-1) === `Bearer ${NEW}`
    }, 10_000)
    await runtime.credentialWatch.check()
    await runtime.gateway.execute(search())
    expect(auth().at(-1)).toBe(`Bearer ${NEW}`)
    expect(runtime.hub.redactor.text(`echo ${NEW}`)).toBe('echo [redacted]')
  })
  it('leaves an OAuth app alone when the only change is the refresh token this process stored', async () => {
    const db = `sqlite:${join(tmp.dir, 'pw.db')}`
    const io = recordingIo(tmp.dir, { PIPEWRIGHT_SECRET_KEY: KEY }, JSON.stringify(APP))
    expect(await main(['credentials', 'add', 'hubspot-app', '--service', 'hubspot', '--db', db], io)).toBe(0)
    runtime = await startOn(db, 'hubspot-app', 20)
    const tokenCalls = () => hubspot.requests().filter((r) => r.path === '/oauth/v1/token').length
    await runtime.gateway.execute(search())
    expect(tokenCalls()).toBe(1)
    // The write-back changed the stored ciphertext: the watch reads it and keeps the settings (and their access token).
    const before = (await runtime.hub.store.credentials.get('hubspot-app'))!.ciphertext
    for (let i = 0; i < 3; i++) {
      await runtime.credentialWatch.check()
      await runtime.gateway.execute(search())
    }
    expect((await runtime.hub.store.credentials.get('hubspot-app'))!.ciphertext).toBe(before)
    expect(tokenCalls()).toBe(1)
  })
})
