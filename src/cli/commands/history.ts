/**
 * `runs list|show` and `dlq list|show|replay|discard`: read and act on the store. They call
 * the same library functions as the HTTP API. Replayed runs are queued in the store; a running
 * `pipewright start` picks them up on its next sweep, or this process runs them with `--run`.
 * @module
 */
import { audit, planReplay } from '../../engine/governance.js'
import { createHub, type Hub } from '../../engine/hub.js'
import { describeRun, listRunsQuery } from '../../engine/queries.js'
import { discardDeadLetter, replayDeadLetters, replayRuns } from '../../engine/replay.js'
import { loadPipelines } from '../../pipeline/load.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import { createStore } from '../../store/index.js'
import type { DeadReason, ReplayFrom, ReplayVersion, RunStatus } from '../../types.js'
import { type CliIo, table } from '../io.js'
import { cliRedaction } from '../output-redaction.js'
import { pipelinesDir } from '../pipelines-dir.js'
import { cliActor } from './governance.js'

async function openHub(io: CliIo, opts: { db?: string; dir?: string }, withPipelines = false): Promise<Hub> {
  const url = resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd)
  const store = await createStore(url)
  await store.migrate()
  const dir = pipelinesDir(io, opts.dir)
  const redaction = await cliRedaction(io, dir)
  const pipelines = withPipelines ? await loadPipelines(dir, { env: io.env, cwd: io.cwd }) : redaction.pipelines
  const noActions = { execute: async () => undefined, check: () => null, close: async () => {} }
  const hub = await createHub({
    pipelines,
    store,
    actions: noActions,
    worker: false,
    scheduler: false,
    redact: { secrets: redaction.secrets },
  })
  published.set(hub, (v) => redaction.publish(hub.redactor.value(v)))
  return hub
}

const published = new WeakMap<Hub, <T>(v: T) => T>()

/** What may be printed of `v`: secrets masked, stack traces left out (unless PIPEWRIGHT_DEBUG). */
function view<T>(hub: Hub, v: T): T {
  return published.get(hub)!(v)
}

/** `io` whose output has every known secret value masked, whatever prints it. */
function masked(io: CliIo, hub: Hub): CliIo {
  return { ...io, out: (t) => io.out(hub.redactor.text(t)) }
}

export async function runsList(io: CliIo, opts: { db?: string; pipeline?: string; status?: string; limit?: string; json?: boolean }) {
  const hub = await openHub(io, opts)
  try {
    const runs = await listRunsQuery(hub, {
      pipeline: opts.pipeline,
      status: opts.status?.split(',') as RunStatus[] | undefined,
      limit: opts.limit ? Number(opts.limit) : 20,
    })
    masked(io, hub).out(
      opts.json ? JSON.stringify(view(hub, runs)) : table(runs, ['id', 'pipeline', 'status', 'step', 'attempt', 'createdAt']),
    )
    return 0
  } finally {
    await hub.close()
  }
}

export async function runsShow(raw: CliIo, runId: string, opts: { db?: string; json?: boolean }) {
  const hub = await openHub(raw, opts)
  const io = masked(raw, hub)
  try {
    const found = await describeRun(hub, runId)
    const r = found && view(hub, found)
    if (!r) {
      io.err(`no run ${runId}`)
      return 1
    }
    if (opts.json) io.out(JSON.stringify(r, null, 2))
    else {
      io.out(
        `run ${r.run.id}  ${r.run.pipelineId}@${r.run.pipelineVersion}  ${r.run.status}${r.run.replayOf ? `  (replay of ${r.run.replayOf})` : ''}`,
      )
      io.out(`event ${r.event?.id ?? '-'}  ${JSON.stringify(r.event?.payload ?? null).slice(0, 200)}`)
      io.out(
        table(
          r.steps.map((s) => ({
            step: s.stepPath,
            status: s.status,
            attempts: s.attempts,
            ms: s.finishedAt - s.startedAt,
            output: s.output,
          })),
          ['step', 'status', 'attempts', 'ms', 'output'],
        ),
      )
      if (r.run.error) io.out(`error at ${r.run.currentStep}: ${r.run.error.message}`)
      if (r.deadLetter) io.out(`dead letter: ${r.deadLetter.reason} after ${r.deadLetter.attempts} attempt(s)`)
    }
    return 0
  } finally {
    await hub.close()
  }
}

export async function dlqList(raw: CliIo, opts: { db?: string; pipeline?: string; reason?: string; all?: boolean; json?: boolean }) {
  const hub = await openHub(raw, opts)
  const io = masked(raw, hub)
  try {
    const found = await hub.store.listDeadLetters({
      pipelineId: opts.pipeline,
      reason: opts.reason as DeadReason | undefined,
      includeResolved: opts.all,
      limit: 1000,
    })
    const rows = view(hub, found)
    io.out(
      opts.json
        ? JSON.stringify(rows)
        : table(
            rows.map((d) => ({
              run: d.runId,
              pipeline: d.pipelineId,
              reason: d.reason,
              step: d.stepId,
              attempts: d.attempts,
              error: d.error?.message,
              at: d.createdAt,
            })),
            ['run', 'pipeline', 'reason', 'step', 'attempts', 'error', 'at'],
          ),
    )
    return 0
  } finally {
    await hub.close()
  }
}

export async function dlqShow(raw: CliIo, runId: string, opts: { db?: string; json?: boolean }) {
  const hub = await openHub(raw, opts)
  const io = masked(raw, hub)
  try {
    const d = await hub.store.getDeadLetter(runId)
    if (!d) {
      io.err(`no dead letter for run ${runId}`)
      return 1
    }
    io.out(JSON.stringify(view(hub, d), null, 2))
    return 0
  } finally {
    await hub.close()
  }
}

export async function dlqReplay(
  io: CliIo,
  runIds: string[],
  opts: {
    db?: string
    dir?: string
    pipeline?: string
    reason?: string
    step?: string
    from?: string
    version?: string
    dryRun?: boolean
    json?: boolean
  },
) {
  if (runIds.length === 0 && !opts.pipeline && !opts.reason && !opts.step) {
    io.err('give run ids, or a filter: --pipeline, --reason, --step')
    return 2
  }
  const from = (opts.from ?? 'trigger') as ReplayFrom
  const version = (opts.version ?? 'pinned') as ReplayVersion
  if (!['trigger', 'failed-step'].includes(from) || !['pinned', 'latest'].includes(version)) {
    io.err('--from is trigger or failed-step; --version is pinned or latest')
    return 2
  }
  const hub = await openHub(io, opts, true)
  const filter = { pipelineId: opts.pipeline, reason: opts.reason as DeadReason | undefined, stepId: opts.step }
  if (opts.dryRun) {
    try {
      const loaded = hub.pipelines().map((p) => p.id)
      const plan = await planReplay(hub.store, hub.clock, loaded, runIds.length ? { runIds } : { filter })
      if (opts.json) io.out(JSON.stringify({ dryRun: true, from, version, ...plan }))
      else {
        io.out(
          `dry run: ${plan.total} would be replayed (from ${from}, ${version} version), ${plan.skipped.length} skipped; nothing changed`,
        )
        for (const x of plan.wouldReplay)
          io.out(`  ${x.runId}  ${x.pipelineId}${x.reason ? `  ${x.reason}` : ''}${x.stepId ? ` at ${x.stepId}` : ''}`)
        if (plan.wouldReplay.length < plan.total) io.out(`  … and ${plan.total - plan.wouldReplay.length} more`)
        for (const x of plan.skipped) io.out(`  ${x.runId}: ${x.reason}`)
      }
      return 0
    } finally {
      await hub.close()
    }
  }
  try {
    const onProgress = (done: number, total: number) => {
      if (!opts.json && total > 1) io.err(`replayed ${done}/${total}`)
    }
    const r = runIds.length
      ? await replayRuns(hub, runIds, { from, version, onProgress })
      : await replayDeadLetters(hub, filter, { from, version, onProgress })
    if (r.replayed.length)
      await audit(hub.store, hub.clock, {
        actor: cliActor(io),
        action: 'replay',
        target: runIds.length === 1 ? `run:${runIds[0]}` : opts.pipeline ? `pipeline:${opts.pipeline}` : 'dead-letters',
        details: {
          count: r.replayed.length,
          from,
          version,
          ...(runIds.length ? {} : { filter }),
          runs: r.replayed.slice(0, 100),
        },
      })
    if (opts.json) io.out(JSON.stringify(r))
    else {
      io.out(`${r.replayed.length} replayed, ${r.skipped.length} skipped`)
      for (const x of r.replayed) io.out(`  ${x.runId} → ${x.newRunId}`)
      for (const x of r.skipped) io.out(`  ${x.runId}: ${x.reason}`)
    }
    return r.skipped.length && !r.replayed.length ? 1 : 0
  } finally {
    await hub.close()
  }
}

export async function dlqDiscard(io: CliIo, runIds: string[], opts: { db?: string }) {
  const hub = await openHub(io, opts)
  try {
    let failed = 0
    for (const id of runIds) {
      try {
        await discardDeadLetter(hub, id)
        await audit(hub.store, hub.clock, { actor: cliActor(io), action: 'discard', target: `run:${id}` })
        io.out(`discarded ${id}`)
      } catch (e) {
        failed++
        io.err((e as Error).message)
      }
    }
    return failed ? 1 : 0
  } finally {
    await hub.close()
  }
}
