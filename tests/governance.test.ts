/**
 * Governance (issue 21 part 6) end to end on a real hub and HTTP server with a SQLite file:
 * `pipewright pause` from the CLI (another connection to the same database) stops runs while
 * webhooks are still accepted and stored; `resume` runs them; every operator action (pause,
 * resume, replay, discard) leaves an audit entry with who did it; `dlq replay --dry-run` lists
 * and changes nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import type { Hub } from '../src/engine/hub.js'
import { loadPipelines } from '../src/pipeline/load.js'
import { createServer } from '../src/server/app.js'
import { recordingIo } from './helpers/cli.js'
import { eventually, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function project() {
  const t = tempDir('pw-governance-')
  cleanups.push(t.cleanup)
  const dir = join(t.dir, 'pipelines')
  mkdirSync(dir)
  const hook = (id: string, step: string) =>
    `id: ${id}\ntrigger:\n  webhook: { path: ${id}, auth: { scheme: none } }\nsteps:\n  - id: a\n    map: ${step}\n`
  writeFileSync(join(dir, 'leads.yaml'), hook('leads', '"{{ event.n }}"'))
  writeFileSync(join(dir, 'control.yaml'), hook('control', '"{{ event.n }}"'))
  writeFileSync(join(dir, 'fails.yaml'), hook('fails', `"{{ $error('boom') }}"`))
  const pipelines = await loadPipelines(dir, { cwd: t.dir })
  const hub = await startHub({ pipelines, store: sqliteStore(t.dir), pauseRefreshMs: 50 })
  const server = await createServer(hub, { port: 0 })
  const base = await server.listen()
  cleanups.push(
    () => hub.close({ deadlineMs: 1000 }),
    () => server.close(),
  )
  const db = `sqlite:${join(t.dir, 'pw.db')}`
  const cli = async (...args: string[]) => {
    const io = recordingIo(t.dir, { USER: 'ann', PIPEWRIGHT_SECRET_KEY: 'ab'.repeat(32), TOK: 'pat-secret-4242', TOK2: 'pat-secret-9999' })
    const code = await main([...args, '--db', db], io)
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') }
  }
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}/hooks/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as { runId: string } }
  }
  return { hub, cli, post }
}

const statusOf = async (hub: Hub, runId: string) => (await hub.store.getRun(runId))?.status

describe('pause and resume', () => {
  it('a paused pipeline still accepts and stores events; its runs wait, and run when resumed', async () => {
    const { hub, cli, post } = await project()
    const paused = await cli('pause', 'leads', '--reason', 'CRM migration', '--dir', 'pipelines')
    expect(paused).toMatchObject({ code: 0 })
    expect(paused.out).toBe('paused leads: events are still accepted and stored; runs wait until `pipewright resume leads`')
    await eventually(() => hub.isPaused('leads'), 10_000)

    const accepted = await Promise.all([1, 2, 3].map((n) => post('leads', { n })))
    expect(accepted.map((r) => r.status)).toEqual([202, 202, 202])
    // A run of another pipeline posted afterwards finishes: the worker is busy, and leads' runs still wait.
    const control = await post('control', { n: 9 })
    await eventually(async () => (await statusOf(hub, control.body.runId)) === 'succeeded', 10_000)
    await hub.sweep()
    for (const r of accepted) expect(await statusOf(hub, r.body.runId)).toBe('queued')
    expect((await hub.store.getEvent((await hub.store.getRun(accepted[0]!.body.runId))!.eventId))?.payload).toEqual({ n: 1 })

    expect((await cli('pause', 'leads', '--dir', 'pipelines')).out).toMatch(/^leads was already paused \(by cli:ann at /)
    const listed = await cli('paused', '--json')
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({ kind: 'pipeline', id: 'leads', pausedBy: 'cli:ann', reason: 'CRM migration' }),
    ])

    const resumed = await cli('resume', 'leads', '--dir', 'pipelines')
    expect(resumed.out).toBe('resumed leads: the runs that waited start now')
    for (const r of accepted) await eventually(async () => (await statusOf(hub, r.body.runId)) === 'succeeded', 10_000)
    expect((await hub.store.getSteps(accepted[2]!.body.runId)).map((s) => s.output)).toEqual([3])
  })

  it('refuses to pause a pipeline that does not exist', async () => {
    const { cli } = await project()
    const r = await cli('pause', 'laeds', '--dir', 'pipelines')
    expect(r.code).toBe(1)
    expect(r.err).toContain('no pipeline "laeds"; loaded: control, fails, leads')
  })
})

describe('audit log and dry runs', () => {
  it('dlq replay --dry-run lists and changes nothing; replay, discard, pause and resume are audited with who did them', async () => {
    const { hub, cli, post } = await project()
    const dead = await post('fails', { n: 1 })
    await eventually(async () => (await statusOf(hub, dead.body.runId)) === 'dead', 10_000)

    const dry = await cli('dlq', 'replay', '--pipeline', 'fails', '--dry-run', '--dir', 'pipelines', '--json')
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.out)).toEqual({
      dryRun: true,
      from: 'trigger',
      version: 'pinned',
      total: 1,
      wouldReplay: [{ runId: dead.body.runId, pipelineId: 'fails', reason: 'invalid', stepId: 'a' }],
      skipped: [],
    })
    const text = await cli('dlq', 'replay', dead.body.runId, '--dry-run', '--dir', 'pipelines')
    expect(text.out.split('\n')).toEqual([
      'dry run: 1 would be replayed (from trigger, pinned version), 0 skipped; nothing changed',
      `  ${dead.body.runId}  fails  invalid at a`,
    ])
    expect((await hub.store.getDeadLetter(dead.body.runId))?.replayedBy).toBeNull()
    expect(await hub.store.audit.list()).toEqual([])

    const replay = await cli('dlq', 'replay', dead.body.runId, '--dir', 'pipelines', '--json')
    expect(replay.code).toBe(0)
    const newRunId = JSON.parse(replay.out).replayed[0].newRunId as string
    await eventually(async () => (await statusOf(hub, newRunId)) === 'dead', 10_000)
    expect((await cli('dlq', 'discard', newRunId)).code).toBe(0)
    await cli('pause', 'leads', '--dir', 'pipelines')
    await cli('resume', 'leads', '--dir', 'pipelines')

    const log = JSON.parse((await cli('audit', '--json')).out) as Array<Record<string, unknown>>
    expect(log.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['cli:ann', 'resume', 'pipeline:leads'],
      ['cli:ann', 'pause', 'pipeline:leads'],
      ['cli:ann', 'discard', `run:${newRunId}`],
      ['cli:ann', 'replay', `run:${dead.body.runId}`],
    ])
    expect(log[3]!.details).toEqual({ count: 1, from: 'trigger', version: 'pinned', runs: [{ runId: dead.body.runId, newRunId }] })
    expect(typeof log[0]!.at).toBe('number')
    const table = await cli('audit', '--action', 'replay')
    expect(table.out).toContain(`cli:ann  replay  run:${dead.body.runId}`)
  })
})

describe('credential changes are audited', () => {
  it('add, rotate and remove leave entries naming the credential and never the secret', async () => {
    const { cli } = await project()
    expect((await cli('credentials', 'add', 'hubspot-main', '--service', 'hubspot', '--from-env', 'TOK')).code).toBe(0)
    expect((await cli('credentials', 'rotate', 'hubspot-main', '--from-env', 'TOK2')).code).toBe(0)
    expect((await cli('credentials', 'remove', 'hubspot-main')).code).toBe(0)
    const out = (await cli('audit', '--json')).out
    expect((JSON.parse(out) as Array<Record<string, unknown>>).map((e) => [e.actor, e.action, e.target])).toEqual([
      ['cli:ann', 'credential.remove', 'credential:hubspot-main'],
      ['cli:ann', 'credential.rotate', 'credential:hubspot-main'],
      ['cli:ann', 'credential.add', 'credential:hubspot-main'],
    ])
    expect(out).not.toContain('pat-secret')
  })
})
