/**
 * The credential store: AES-256-GCM round trip on both stores, key rotation, wrong key,
 * tampered ciphertext; the `credentials` CLI (add, list, test against the emulators, rotate,
 * remove, rotate-key) with every captured line searched for the secret; a hub that uses a
 * stored credential (its logs and API answers searched too); a missing key at start-up.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pg from 'pg'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { slackEmulator } from '../src/connectors/slack/emulator.js'
import { createVault } from '../src/credentials/vault.js'
import { ManualClock } from '../src/engine/clock.js'
import { ErrorCodes, isPipewrightError } from '../src/errors.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import type { Store } from '../src/store/contract.js'
import { createPostgresStore } from '../src/store/postgres/index.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'
import { LOOPBACK_ALLOWED } from './helpers/net.js'

const KEY = 'z8Xv1m3QeV0kqC2Pj6Hn4TtYb7RwLs9AaDfGhJkLmNo='
const OTHER_KEY = 'correct horse battery staple, twice over'
const SECRET = 'pat-na1-SECRET-9f3a77c2-d1b4'
const PG_SCHEMA = `pw_credentials_${process.pid}`
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test'

let tmp: ReturnType<typeof tempDir>
const clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'))

beforeEach(() => {
  tmp = tempDir('pw-credentials-')
})
afterEach(() => tmp.cleanup())
afterAll(async () => {
  const c = new pg.Client({ connectionString: PG_URL })
  await c.connect()
  await c.query(`DROP SCHEMA IF EXISTS "${PG_SCHEMA}" CASCADE`)
  await c.end()
})

const backends: Array<[string, () => Promise<Store>]> = [
  ['sqlite', async () => createSqliteStore({ path: join(tmp.dir, 'pw.db') })],
  ['postgres', async () => createPostgresStore({ connectionString: PG_URL, schema: PG_SCHEMA })],
]

async function code(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p
  } catch (e) {
    return { code: isPipewrightError(e) ? e.code : undefined, message: (e as Error).message }
  }
  throw new Error('expected a failure')
}

describe.each(backends)('vault on %s', (_name, open) => {
  let store: Store
  beforeEach(async () => {
    store = await open()
    await store.migrate()
    for (const c of await store.credentials.list()) await store.credentials.remove(c.name)
  })
  afterEach(() => store.close())

  it('round-trips a secret, stores only ciphertext, and lists metadata without it', async () => {
    const vault = createVault({ store, secretKey: KEY, clock })
    const meta = await vault.add('hubspot-main', SECRET, {
      service: 'hubspot',
      owner: 'revops@example.com',
      scopes: ['crm.objects.companies.write'],
    })
    expect(meta).toMatchObject({
      name: 'hubspot-main',
      rotateBy: '2027-03-01T00:00:00.000Z',
      rotation: 'ok',
      createdAt: '2026-12-01T00:00:00.000Z',
    })
    expect(await vault.reveal('hubspot-main')).toBe(SECRET)
    const row = await store.credentials.get('hubspot-main')
    expect(row!.ciphertext).not.toContain(SECRET)
    expect(row!.ciphertext).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 12))
    expect(JSON.stringify(await vault.list())).not.toContain(SECRET)
    // Two encryptions of one secret differ (fresh IV).
    await vault.rotate('hubspot-main', SECRET)
    expect((await store.credentials.get('hubspot-main'))!.ciphertext).not.toBe(row!.ciphertext)
  })

  it('names both key ids for a wrong key, and refuses tampered or moved ciphertext', async () => {
    await createVault({ store, secretKey: KEY, clock }).add('a', SECRET)
    const wrong = await code(createVault({ store, secretKey: OTHER_KEY, clock }).reveal('a'))
    expect(wrong.code).toBe(ErrorCodes.CREDENTIAL_KEY)
    expect(wrong.message).toMatch(
      /credential "a" was encrypted under another key \(key id [0-9a-f]{12}\); PIPEWRIGHT_SECRET_KEY is key id [0-9a-f]{12}/,
    )
    expect((await code(createVault({ store, secretKey: OTHER_KEY, clock }).assertUsable())).code).toBe(ErrorCodes.CREDENTIAL_KEY)

    const row = (await store.credentials.get('a'))!
    const parts = row.ciphertext.split('.')
    const body = Buffer.from(parts[4]!, 'base64url')
    body[0] = body[0]! ^ 1
    parts[4] = body.toString('base64url')
    await store.credentials.put({ ...row, ciphertext: parts.join('.') })
    const tampered = await code(createVault({ store, secretKey: KEY, clock }).reveal('a'))
    expect(tampered).toEqual({ code: ErrorCodes.CREDENTIAL_TAMPERED, message: expect.stringContaining('failed authentication') })
    expect(tampered.message).not.toContain(SECRET)

    await store.credentials.put({ ...row, name: 'b' })
    expect((await code(createVault({ store, secretKey: KEY, clock }).reveal('b'))).code).toBe(ErrorCodes.CREDENTIAL_TAMPERED)
  })

  it('key rotation re-encrypts every credential; the old key no longer opens them', async () => {
    const vault = createVault({ store, secretKey: KEY, clock })
    await vault.add('one', 'secret-one-xyz')
    await vault.add('two', 'secret-two-xyz')
    expect(await vault.rotateKey(OTHER_KEY)).toBe(2)
    const next = createVault({ store, secretKey: OTHER_KEY, clock })
    await next.assertUsable()
    expect([await next.reveal('one'), await next.reveal('two')]).toEqual(['secret-one-xyz', 'secret-two-xyz'])
    expect((await code(vault.reveal('one'))).code).toBe(ErrorCodes.CREDENTIAL_KEY)
    // Rotating with a key that opens nothing changes nothing.
    expect((await code(createVault({ store, secretKey: KEY, clock }).rotateKey('yet another key, long enough'))).code).toBe(
      ErrorCodes.CREDENTIAL_KEY,
    )
    expect(await next.reveal('one')).toBe('secret-one-xyz')
  })

  it('without a key: listing works, stored credentials stop start-up checks with a clear error', async () => {
    await createVault({ store, secretKey: KEY, clock }).add('a', SECRET, { owner: 'x' })
    const keyless = createVault({ store, secretKey: null, clock })
    expect((await keyless.list()).map((m) => m.name)).toEqual(['a'])
    const e = await code(keyless.assertUsable())
    expect(e).toEqual({
      code: ErrorCodes.CREDENTIAL_KEY,
      message: expect.stringContaining('1 credential is stored but PIPEWRIGHT_SECRET_KEY is not set; set the key they were stored with'),
    })
  })
})

describe('credentials CLI and a hub using a stored credential', () => {
  const emulators: Array<{ close(): Promise<void> }> = []
  let runtime: Runtime | null = null
  afterEach(async () => {
    await runtime?.close(2000)
    runtime = null
    for (const e of emulators.splice(0)) await e.close()
  })

  it('adds, lists, tests, rotates and removes without ever printing the secret', async () => {
    const hubspot = hubspotEmulator({ tokens: [SECRET] })
    const slack = slackEmulator({ tokens: ['xoxb-good-1234567890'] })
    emulators.push(hubspot, slack)
    await Promise.all([hubspot.listen(), slack.listen()])
    const db = `sqlite:${join(tmp.dir, 'pw.db')}`
    const env = { PIPEWRIGHT_SECRET_KEY: KEY, PIPEWRIGHT_DATABASE_URL: db, HUBSPOT_BASE_URL: hubspot.url, SLACK_BASE_URL: slack.url }
    const captured: string[] = []
    const run = async (argv: string[], stdin = '', extra: Record<string, string> = {}) => {
      const io = recordingIo(tmp.dir, { ...env, ...extra }, stdin)
      const exit = await main(argv, io)
      captured.push(...io.stdout, ...io.stderr)
      return { exit, out: io.stdout.join('\n'), err: io.stderr.join('\n') }
    }

    let r = await run(
      [
        'credentials',
        'add',
        'hubspot-main',
        '--service',
        'hubspot',
        '--owner',
        'revops@example.com',
        '--scopes',
        'crm.objects.companies.write',
        '--rotate-every',
        '60d',
      ],
      `${SECRET}\n`,
    )
    expect(r).toMatchObject({ exit: 0, out: expect.stringContaining('stored credential hubspot-main (hubspot); rotate by') })
    r = await run(['credentials', 'add', 'slack-bot', '--service', 'slack', '--from-env', 'BOT', '--rotate-by', '2026-12-20'], '', {
      BOT: 'xoxb-wrong',
    })
    expect(r.exit).toBe(0)
    expect((await run(['credentials', 'add', 'hubspot-main'], 'again')).exit).toBe(1)

    r = await run(['credentials', 'list'])
    expect(r.out).toMatch(/hubspot-main\s+hubspot\s+revops@example.com\s+crm.objects.companies.write/)
    expect(r.out).toMatch(/slack-bot\s+slack\s+—\s+—\s+\S+\s+2026-12-20\s+(due|overdue)/)
    const listed = JSON.parse((await run(['credentials', 'list', '--json'])).out)
    expect(listed.map((c: { name: string }) => c.name)).toEqual(['hubspot-main', 'slack-bot'])

    // `test`: HubSpot accepts the stored token; Slack says invalid_auth for the wrong one.
    r = await run(['credentials', 'test'])
    expect(r.exit).toBe(1)
    expect(r.out).toMatch(/✓ hubspot-main \(hubspot\): authenticated/)
    expect(r.out).toMatch(/✗ slack-bot \(slack\): Slack said invalid_auth/)
    r = await run(['credentials', 'rotate', 'slack-bot', '--from-env', 'BOT'], '', { BOT: 'xoxb-good-1234567890' })
    expect(r.exit).toBe(0)
    expect((await run(['credentials', 'test', 'slack-bot'])).out).toMatch(/✓ slack-bot \(slack\): authenticated/)
    expect(hubspot.requests().at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`)

    // Key rotation through the CLI; then the old key is refused with a clear message.
    r = await run(['credentials', 'rotate-key'], '', { PIPEWRIGHT_NEW_SECRET_KEY: OTHER_KEY })
    expect(r.out).toContain('re-encrypted 2 credentials under the new key')
    r = await run(['credentials', 'test', 'hubspot-main'])
    expect(r.exit).toBe(1)
    expect(r.err).toMatch(/PIPEWRIGHT_SECRET_KEY \(key id \w+\) is not the key of stored credentials "hubspot-main"/)
    expect((await run(['credentials', 'test', 'hubspot-main'], '', { PIPEWRIGHT_SECRET_KEY: OTHER_KEY })).exit).toBe(0)
    expect((await run(['doctor'])).out).toMatch(/✗ credentials: .*is not the key of stored credentials/)
    expect((await run(['doctor'], '', { PIPEWRIGHT_SECRET_KEY: OTHER_KEY })).out).toContain(
      '✓ credentials: 2 stored, PIPEWRIGHT_SECRET_KEY opens them',
    )
    expect((await run(['credentials', 'remove', 'slack-bot'])).out).toBe('removed credential slack-bot')
    expect((await run(['credentials', 'remove', 'slack-bot'])).exit).toBe(1)

    for (const line of captured) {
      expect(line).not.toContain(SECRET)
      expect(line).not.toContain('xoxb-good-1234567890')
      expect(line).not.toContain(KEY)
    }
  }, 60_000)

  it('a hub authenticates with a stored credential; logs and API answers never show it', async () => {
    const hubspot = hubspotEmulator({ tokens: [SECRET] })
    emulators.push(hubspot)
    await hubspot.listen()
    const dbPath = join(tmp.dir, 'pw.db')
    const store = createSqliteStore({ path: dbPath })
    await store.migrate()
    await createVault({ store, secretKey: KEY, clock }).add('hubspot-main', SECRET, { service: 'hubspot', owner: 'revops@example.com' })
    await store.close()
    mkdirSync(join(tmp.dir, 'connections'))
    writeFileSync(join(tmp.dir, 'connections', 'hubspot.yaml'), `id: hubspot:main\ncredential: hubspot-main\nbaseUrl: ${hubspot.url}\n`)
    mkdirSync(join(tmp.dir, 'pipelines'))
    writeFileSync(
      join(tmp.dir, 'pipelines', 'leads.yaml'),
      `id: leads\ntrigger: { webhook: { path: leads } }\nsteps:\n  - id: company\n    action: hubspot.companies.upsert\n    connection: main\n    with: { matchOn: domain, properties: { domain: '{{ event.domain }}' } }\n`,
    )
    const logs: string[] = []
    const logDestination = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk))
        cb()
      },
    })
    // Without the key the hub does not start, and says why.
    const keyless = await code(
      createRuntime({ cwd: tmp.dir, env: {}, databaseUrl: `sqlite:${dbPath}`, logLevel: 'silent', allowPrivateNetwork: LOOPBACK_ALLOWED }),
    )
    expect(keyless).toEqual({ code: ErrorCodes.CREDENTIAL_KEY, message: expect.stringContaining('PIPEWRIGHT_SECRET_KEY is not set') })

    runtime = await createRuntime({
      cwd: tmp.dir,
      env: { PIPEWRIGHT_SECRET_KEY: KEY },
      databaseUrl: `sqlite:${dbPath}`,
      allowPrivateNetwork: LOOPBACK_ALLOWED,
      server: true,
      port: 0,
      logLevel: 'debug',
      logDestination,
    })
    const res = await fetch(`${runtime.url}/hooks/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"domain":"acme.com"}',
    })
    expect(res.status).toBe(202)
    const rt = runtime
    const { runId } = (await res.json()) as { runId: string }
    let status = ''
    for (let i = 0; i < 200 && !['succeeded', 'dead'].includes(status); i++) {
      status = (await rt.hub.store.getRun(runId))?.status ?? ''
      if (!['succeeded', 'dead'].includes(status)) await new Promise((r) => setTimeout(r, 50))
    }
    expect(status).toBe('succeeded')
    expect(hubspot.requests().every((q) => q.headers.authorization === `Bearer ${SECRET}`)).toBe(true)
    const answers = await Promise.all(
      ['/api/v1/connections', `/api/v1/runs/${runId}`, '/api/v1/pipelines', '/api/v1/usage'].map(async (p) =>
        (await fetch(`${rt.url}${p}`)).text(),
      ),
    )
    expect(answers[0]).toContain('hubspot')
    // The credential-rotation alert rule reads the store's metadata (rotate-by 90 days out: quiet).
    const quiet = await rt.alerting!.test('credential-rotation', { send: false })
    expect(quiet.findings).toEqual([])
    const st = rt.hub.store
    const row = (await st.credentials.get('hubspot-main'))!
    await st.credentials.put({ ...row, rotateBy: Date.now() - 86_400_000 })
    const due = await rt.alerting!.test('credential-rotation', { send: false })
    expect(due.findings).toEqual([
      expect.objectContaining({
        subject: 'hubspot-main',
        severity: 'critical',
        summary: expect.stringContaining('credential hubspot-main (owner revops@example.com) was due for rotation'),
        details: expect.objectContaining({ connections: ['hubspot:main'] }),
      }),
    ])
    for (const text of [...answers, ...logs]) expect(text).not.toContain(SECRET)
  }, 60_000)
})
