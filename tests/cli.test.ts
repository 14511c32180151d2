import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { type RecordingIo, recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'
import { type Receiver, startReceiver } from './helpers/process.js'

let tmp: ReturnType<typeof tempDir>
let receiver: Receiver
let rejectNext = false

function io(env: Record<string, string> = {}, stdin = ''): RecordingIo {
  return recordingIo(tmp.dir, { RECEIVER_URL: receiver.url, ...env }, stdin)
}

const PIPELINE = `id: leads
trigger: { webhook: { path: leads } }
steps:
  - id: lead
    map: { email: "{{ $email(event.email) }}", score: "{{ event.score }}" }
  - id: has-email
    filter: "{{ lead.email != null }}"
  - id: deliver
    action: http.request
    retry: { maxAttempts: 1 }
    with: { url: "\${RECEIVER_URL}/in", method: POST, body: "{{ lead }}" }
`

beforeEach(async () => {
  tmp = tempDir('pw-cli-')
  mkdirSync(join(tmp.dir, 'pipelines'))
  writeFileSync(join(tmp.dir, 'pipelines', 'leads.yaml'), PIPELINE)
  rejectNext = false
  receiver = await startReceiver({ status: () => (rejectNext ? 422 : 200) })
})
afterEach(async () => {
  await receiver.close()
  tmp.cleanup()
})

describe('pipewright validate', () => {
  it('accepts valid pipelines and names each of them', async () => {
    const t = io()
    expect(await main(['validate'], t)).toBe(0)
    expect(t.stdout.join('\n')).toMatch(/1 pipeline valid: leads@[0-9a-f]{12}/)
  })

  it('fails with one line per problem naming file, step and field', async () => {
    writeFileSync(
      join(tmp.dir, 'pipelines', 'bad.yaml'),
      'id: bad\ntrigger: { webhook: { path: bad } }\nsteps:\n  - id: a\n    action: hubspot.nothing.here\n  - id: a\n    filtr: true\n',
    )
    const t = io()
    expect(await main(['validate'], t)).toBe(1)
    const text = t.stderr.join('\n')
    expect(text).toContain('pipelines/bad.yaml, pipeline bad, step a, field id: duplicate step id "a"')
    expect(text).toContain('unknown step kind "filtr"')
    const json = io()
    expect(await main(['validate', '--json'], json)).toBe(1)
    expect(JSON.parse(json.stdout[0]!).problems.length).toBeGreaterThanOrEqual(2)
  })
})

describe('pipewright run', () => {
  it('runs one event from stdin, prints the step trace and exits 0 on success', async () => {
    const t = io({}, JSON.stringify({ email: ' Ann@Acme.com ', score: 91 }))
    expect(await main(['run', 'leads', '--event', '-'], t)).toBe(0)
    const out = t.stdout.join('\n')
    expect(out).toMatch(/✓ lead .*"email":"ann@acme.com"/)
    expect(out).toMatch(/✓ deliver .*"status":200/)
    expect(out).toContain('status: succeeded')
    expect(receiver.total()).toBe(1)
  })

  it('exits 1 and shows the failure when the run does not succeed', async () => {
    rejectNext = true
    const eventFile = join(tmp.dir, 'lead.json')
    writeFileSync(eventFile, JSON.stringify({ email: 'bob@initech.io', score: 10 }))
    const t = io()
    expect(await main(['run', 'leads', '--event', 'lead.json'], t)).toBe(1)
    expect(t.stdout.join('\n')).toMatch(/status: dead/)
    expect(t.stdout.join('\n')).toMatch(/422/)
  })

  it('exits 1 for a filtered run and 2 for a malformed event file', async () => {
    expect(await main(['run', 'leads', '--event', '-'], io({}, JSON.stringify({ email: 'nope' })))).toBe(1)
    const t = io({}, '{not json')
    expect(await main(['run', 'leads', '--event', '-'], t)).toBe(2)
    expect(t.stderr.join('\n')).toContain('not valid JSON')
  })
})

describe('pipewright runs and dlq', () => {
  it('lists runs, shows one, lists dead letters, replays and discards them', async () => {
    const db = `sqlite:${join(tmp.dir, 'history.db')}`
    rejectNext = true
    expect(await main(['run', 'leads', '--db', db, '--event', '-'], io({}, JSON.stringify({ email: 'a@acme.com' })))).toBe(1)
    expect(await main(['run', 'leads', '--db', db, '--event', '-'], io({}, JSON.stringify({ email: 'b@acme.com' })))).toBe(1)
    rejectNext = false

    const list = io()
    expect(await main(['runs', 'list', '--db', db, '--json'], list)).toBe(0)
    const runs = JSON.parse(list.stdout[0]!) as Array<{ id: string; status: string }>
    expect(runs.map((r) => r.status)).toEqual(['dead', 'dead'])

    const show = io()
    expect(await main(['runs', 'show', runs[0]!.id, '--db', db], show)).toBe(0)
    expect(show.stdout.join('\n')).toMatch(/dead letter: permanent after 1 attempt/)

    const dl = io()
    expect(await main(['dlq', 'list', '--db', db, '--json'], dl)).toBe(0)
    expect(JSON.parse(dl.stdout[0]!).map((d: { reason: string }) => d.reason)).toEqual(['permanent', 'permanent'])

    const replay = io()
    expect(await main(['dlq', 'replay', runs[0]!.id, '--db', db, '--from', 'failed-step'], replay)).toBe(0)
    expect(replay.stdout.join('\n')).toContain('1 replayed, 0 skipped')

    const discard = io()
    expect(await main(['dlq', 'discard', runs[1]!.id, '--db', db], discard)).toBe(0)
    const after = io()
    await main(['dlq', 'list', '--db', db, '--json'], after)
    expect(JSON.parse(after.stdout[0]!)).toEqual([])

    const again = io()
    expect(await main(['dlq', 'discard', runs[1]!.id, '--db', db], again)).toBe(1)
    expect(again.stderr.join('\n')).toContain('PW_DEAD_LETTER_NOT_FOUND')
  })

  it('replays by filter with a count', async () => {
    const db = `sqlite:${join(tmp.dir, 'filter.db')}`
    rejectNext = true
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io'])
      await main(['run', 'leads', '--db', db, '--event', '-'], io({}, JSON.stringify({ email })))
    const t = io()
    expect(await main(['dlq', 'replay', '--pipeline', 'leads', '--reason', 'permanent', '--db', db, '--json'], t)).toBe(0)
    expect(JSON.parse(t.stdout[0]!).replayed).toHaveLength(3)
    const queued = io()
    await main(['runs', 'list', '--db', db, '--status', 'queued', '--json'], queued)
    expect(JSON.parse(queued.stdout[0]!)).toHaveLength(3)
  })
})

describe('pipewright init and usage errors', () => {
  it('init creates a pipeline that validates', async () => {
    const fresh = tempDir('pw-init-')
    try {
      const t = { ...io(), cwd: fresh.dir }
      expect(await main(['init'], t)).toBe(0)
      expect(await main(['validate'], { ...io(), cwd: fresh.dir })).toBe(0)
      // A second init keeps every file it finds.
      const again = { ...io(), cwd: fresh.dir, stdout: [] as string[] }
      again.out = (t) => again.stdout.push(t)
      expect(await main(['init'], again)).toBe(0)
      expect(again.stdout.join('\n')).toContain('nothing to create')
    } finally {
      fresh.cleanup()
    }
  }, 120_000)

  it('exits 2 on an unknown command', async () => {
    const t = io()
    expect(await main(['frobnicate'], t)).toBe(2)
  })
})
