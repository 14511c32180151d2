/**
 * Customer data at rest (issue 21): a pipeline's `pii` paths are sealed with AES-256-GCM under
 * PIPEWRIGHT_SECRET_KEY in event payloads, step outputs and dead letters on both stores — the raw
 * SQLite file and the Postgres rows hold no plain e-mail or phone — while runs execute, retry
 * and replay on the real values; the API shows `[encrypted]`; a wrong or missing key stops
 * start-up with a clear error; PII paths without a key are a configuration error.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { replayRuns } from '../src/engine/replay.js'
import { ErrorCodes, isPipewrightError } from '../src/errors.js'
import { loadPipelines } from '../src/pipeline/load.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import type { Store } from '../src/store/contract.js'
import { createPostgresStore } from '../src/store/postgres/index.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { recordingIo } from './helpers/cli.js'
import { eventually, tempDir } from './helpers/engine.js'

const KEY = 'hV3q9Lr2Xw7Pz1Nc5Kd8Tg4Ym6Bf0Js2Ua9Ee1Oi3Rk='
const OTHER_KEY = 'a different passphrase, long enough'
const EMAIL = 'ada.lovelace@example.com'
const PHONE = '+1-555-0100-77'
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test'
const PG_SCHEMA = `pw_pii_${process.pid}`

const LEADS = `id: leads
pii: [email, person.*]
trigger:
  webhook: { path: leads, auth: { scheme: none }, retain: { ttl: 1d } }
steps:
  - id: lead
    map: { email: "{{ event.email }}", domain: "{{ $substringAfter(event.email, '@') }}" }
  - id: check
    map: { ok: "{{ lead.email = '${EMAIL}' and event.person.phone = '${PHONE}' }}" }
  - id: gate
    map: "{{ event.fail ? $error('contact ' & event.email & ' already exists') : 'passed' }}"
`

let tmp: ReturnType<typeof tempDir>
let runtime: Runtime | null = null
beforeEach(() => {
  tmp = tempDir('pw-pii-')
  mkdirSync(join(tmp.dir, 'pipelines'))
  writeFileSync(join(tmp.dir, 'pipelines', 'leads.yaml'), LEADS)
})
afterEach(async () => {
  await runtime?.close(1000)
  runtime = null
  tmp.cleanup()
})
afterAll(async () => {
  const c = new pg.Client({ connectionString: PG_URL })
  await c.connect()
  await c.query(`DROP SCHEMA IF EXISTS "${PG_SCHEMA}" CASCADE`)
  await c.end()
})

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p
  } catch (e) {
    return { code: isPipewrightError(e) ? e.code : undefined, message: (e as Error).message }
  }
  throw new Error('expected a failure')
}

const backends: Array<[string, () => Store]> = [
  ['sqlite', () => createSqliteStore({ path: join(tmp.dir, 'pw.db') })],
  ['postgres', () => createPostgresStore({ connectionString: PG_URL, schema: PG_SCHEMA })],
]

/** Everything the database holds, as text: the SQLite files' bytes, or every row of every table of the schema. */
async function rawDatabase(name: string): Promise<string> {
  if (name === 'sqlite')
    return readdirSync(tmp.dir)
      .filter((f) => f.startsWith('pw.db'))
      .map((f) => readFileSync(join(tmp.dir, f)).toString('latin1'))
      .join('\n')
  const c = new pg.Client({ connectionString: PG_URL })
  await c.connect()
  try {
    const tables = await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [PG_SCHEMA])
    const out: string[] = []
    for (const { table_name } of tables.rows) {
      const rows = await c.query(`SELECT t::text AS row FROM "${PG_SCHEMA}"."${table_name}" t`)
      out.push(...rows.rows.map((r) => r.row as string))
    }
    return out.join('\n')
  } finally {
    await c.end()
  }
}

describe.each(backends)('PII sealed at rest on %s', (name, openStore) => {
  const start = async (env: Record<string, string>) => {
    const store = openStore()
    try {
      return await createRuntime({ cwd: tmp.dir, env, store, server: true, port: 0, logLevel: 'silent', observe: false })
    } catch (e) {
      await store.close()
      throw e
    }
  }

  it('stores no plain e-mail or phone; runs execute, die and replay on the real values; the API shows [encrypted]', async () => {
    if (name === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL })
      await c.connect()
      await c.query(`DROP SCHEMA IF EXISTS "${PG_SCHEMA}" CASCADE`)
      await c.end()
    }
    runtime = await start({ PIPEWRIGHT_SECRET_KEY: KEY })
    const post = async (body: unknown) => {
      const res = await fetch(`${runtime!.url}/hooks/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(res.status).toBe(202)
      return ((await res.json()) as { runId: string }).runId
    }
    const ok = await post({ email: EMAIL, person: { phone: PHONE, name: 'Ada' }, plan: 'pro' })
    const bad = await post({ email: EMAIL, person: { phone: PHONE }, fail: true })
    const hub = runtime.hub
    // The retained raw copy (webhook `retain`) is sealed too.
    const { tryGetRetained } = await import('../src/triggers/retention.js')
    const rawCopy = await eventually(async () => {
      const run = await hub.store.getRun(ok)
      return run ? tryGetRetained(hub.store, run.eventId, Date.now()) : undefined
    })
    expect((rawCopy!.payload as Record<string, unknown>).email).toMatch(/^pw:enc:v1\./)
    expect((await hub.waitForRun(ok))?.status).toBe('succeeded')
    expect((await hub.waitForRun(bad))?.status).toBe('dead')

    // The run saw the real values (check compares them); what is stored is sealed.
    const steps = await hub.store.getSteps(ok)
    expect(steps.find((s) => s.stepPath === 'check')?.output).toEqual({ ok: true })
    const lead = steps.find((s) => s.stepPath === 'lead')?.output as Record<string, string>
    expect(lead.domain).toBe('example.com')
    expect(lead.email).toMatch(/^pw:enc:v1\./)
    const event = await hub.store.getEvent((await hub.store.getRun(ok))!.eventId)
    expect(event?.payload).toMatchObject({ plan: 'pro', email: expect.stringMatching(/^pw:enc:v1\./) })
    expect((event!.payload as { person: Record<string, string> }).person.phone).toMatch(/^pw:enc:v1\./)
    const dead = await hub.store.getDeadLetter(bad)
    expect(JSON.stringify(dead?.lastInput)).toContain('pw:enc:v1.')
    expect(JSON.stringify(dead?.lastInput)).not.toContain(EMAIL)
    // An error that echoes a sealed value stores it masked (the run saw the real one).
    expect(dead?.error?.message).toContain('contact [encrypted] already exists')
    expect(JSON.stringify(dead)).not.toContain(EMAIL)
    expect(JSON.stringify(await hub.store.getRun(bad))).not.toContain(EMAIL)

    // The API masks sealed fields and shows the rest.
    const shown = (await (await fetch(`${runtime.url}/api/v1/runs/${ok}`)).json()) as Record<string, any>
    expect(shown.event.payload).toMatchObject({ email: '[encrypted]', person: { phone: '[encrypted]', name: '[encrypted]' }, plan: 'pro' })
    expect(JSON.stringify(shown)).not.toContain('pw:enc:')

    // Replay from the failed step once the pipeline no longer fails: the copied step results are opened.
    writeFileSync(
      join(tmp.dir, 'pipelines', 'leads.yaml'),
      LEADS.replace(`event.fail ? $error('contact ' & event.email & ' already exists') : 'passed'`, `'passed'`),
    )
    hub.setPipelines(await loadPipelines(join(tmp.dir, 'pipelines'), { cwd: tmp.dir }))
    const again = await replayRuns(hub, [bad], { from: 'failed-step', version: 'latest' })
    const again2 = await replayRuns(hub, [ok], { from: 'trigger' })
    const replayed = [again.replayed[0]!.newRunId, again2.replayed[0]!.newRunId]
    for (const id of replayed) expect((await hub.waitForRun(id))?.status).toBe('succeeded')
    const copied = await hub.store.getSteps(replayed[0]!)
    expect(copied.find((s) => s.stepPath === 'lead')?.output).toMatchObject({ domain: 'example.com' })
    expect(copied.find((s) => s.stepPath === 'gate')?.output).toBe('passed')
    expect((await hub.store.getSteps(replayed[1]!)).find((s) => s.stepPath === 'check')?.output).toEqual({ ok: true })
    await runtime.close(1000)
    runtime = null

    const raw = await rawDatabase(name)
    expect(raw).toContain('example.com')
    expect(raw).not.toContain(EMAIL)
    expect(raw).not.toContain(PHONE)
    if (name === 'sqlite') {
      // The CLI reads what is stored, like the API: sealed fields print as [encrypted].
      for (const argv of [
        ['runs', 'show', ok, '--json'],
        ['runs', 'show', bad],
        ['dlq', 'show', bad, '--json'],
      ]) {
        const io = recordingIo(tmp.dir, { PIPEWRIGHT_SECRET_KEY: KEY })
        expect(await main([...argv, '--db', `sqlite:${join(tmp.dir, 'pw.db')}`], io)).toBe(0)
        const out = io.stdout.join('\n')
        expect(out).toContain('[encrypted]')
        expect(out).not.toContain(EMAIL)
        expect(out).not.toContain('pw:enc:')
      }
    }

    // Another key: start-up refuses, naming both key ids; the old key as PIPEWRIGHT_SECRET_KEY_PREVIOUS opens the fields.
    const wrong = await failure(start({ PIPEWRIGHT_SECRET_KEY: OTHER_KEY }))
    expect(wrong.code).toBe(ErrorCodes.CREDENTIAL_KEY)
    expect(wrong.message).toMatch(/encrypted under key id [0-9a-f]{12}, which PIPEWRIGHT_SECRET_KEY \(key id [0-9a-f]{12}\) is not/)
    // No key at all, and no PII paths any more: the stored fields still need their key.
    writeFileSync(join(tmp.dir, 'pipelines', 'leads.yaml'), LEADS.replace('pii: [email, person.*]\n', ''))
    const keyless = await failure(start({}))
    expect(keyless).toMatchObject({ code: ErrorCodes.CREDENTIAL_KEY, message: expect.stringContaining('PIPEWRIGHT_SECRET_KEY is not set') })

    runtime = await start({ PIPEWRIGHT_SECRET_KEY: OTHER_KEY, PIPEWRIGHT_SECRET_KEY_PREVIOUS: KEY })
    const third = await replayRuns(runtime.hub, [ok], { from: 'trigger' })
    const id = third.replayed[0]!.newRunId
    expect((await runtime.hub.waitForRun(id))?.status).toBe('succeeded')
    // Without paths the new run's outputs are stored as they are, and its event stays sealed.
    expect((await runtime.hub.store.getSteps(id)).find((s) => s.stepPath === 'lead')?.output).toEqual({
      email: EMAIL,
      domain: 'example.com',
    })
  })
})

describe('configuration', () => {
  it('PII paths without PIPEWRIGHT_SECRET_KEY are an error naming the variable, per pipeline and hub-wide', async () => {
    const url = `sqlite:${join(tmp.dir, 'pw.db')}`
    const perPipeline = await failure(createRuntime({ cwd: tmp.dir, env: {}, databaseUrl: url, logLevel: 'silent', observe: false }))
    expect(perPipeline.code).toBe(ErrorCodes.CONFIG_INVALID)
    expect(perPipeline.message).toContain('leads.yaml')
    expect(perPipeline.message).toContain('PII paths are configured but PIPEWRIGHT_SECRET_KEY is not set')

    writeFileSync(join(tmp.dir, 'pipelines', 'leads.yaml'), LEADS.replace('pii: [email, person.*]\n', ''))
    const hubWide = await failure(
      createRuntime({ cwd: tmp.dir, env: { PIPEWRIGHT_PII_PATHS: 'email, phone' }, databaseUrl: url, logLevel: 'silent', observe: false }),
    )
    expect(hubWide.message).toMatch(/PIPEWRIGHT_PII_PATHS.*PIPEWRIGHT_SECRET_KEY is not set/)
    const badPath = await failure(
      createRuntime({
        cwd: tmp.dir,
        env: { PIPEWRIGHT_PII_PATHS: 'email,,person..phone', PIPEWRIGHT_SECRET_KEY: KEY },
        databaseUrl: url,
        logLevel: 'silent',
        observe: false,
      }),
    )
    expect(badPath.message).toContain('"person..phone" has an empty segment')
  })

  it('validate reports PII paths without the key, and passes with it', async () => {
    const run = async (env: Record<string, string>) => {
      const io = recordingIo(tmp.dir, env)
      const code = await main(['validate'], io)
      return { code, err: io.stderr.join('\n') }
    }
    const without = await run({})
    expect(without.code).toBe(1)
    expect(without.err).toMatch(/leads\.yaml.*pii.*PIPEWRIGHT_SECRET_KEY is not set/)
    expect(await run({ PIPEWRIGHT_SECRET_KEY: KEY })).toMatchObject({ code: 0 })
  })

  it('a pii entry that is not a dot-path names the field', async () => {
    writeFileSync(join(tmp.dir, 'pipelines', 'leads.yaml'), LEADS.replace('pii: [email, person.*]', 'pii: [email, "a..b"]'))
    const bad = await failure(loadPipelines(join(tmp.dir, 'pipelines'), { cwd: tmp.dir }))
    expect(bad.message).toMatch(/pii\[1\].*"a\.\.b" has an empty segment/)
  })
})
