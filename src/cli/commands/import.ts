/**
 * `pipewright import <pipeline> file.csv` (one event per row, streamed; waits for every run
 * with a progress bar on a terminal or periodic lines otherwise; bad rows with line numbers; a
 * summary) and `pipewright runs export --format csv`.
 * @module
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { exportRunsCsv } from '../../csv/export.js'
import { type CsvImportProgress, type CsvImportSummary, importCsv } from '../../csv/import.js'
import { trackRuns } from '../../csv/run-tracker.js'
import { createHub } from '../../engine/hub.js'
import { tryParseDuration } from '../../pipeline/duration.js'
import { createRuntime, DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import { createStore } from '../../store/index.js'
import type { RunStatus } from '../../types.js'
import type { CliIo } from '../io.js'
import { cliRedaction } from '../output-redaction.js'
import { pipelinesDir } from '../pipelines-dir.js'
import { type ImportProgressState, progressMeter } from '../progress.js'
import { sandboxFromFlags } from './sandbox.js'

export interface ImportOptions {
  dir?: string
  db?: string
  idColumn?: string
  delimiter?: string
  batchSize?: string
  /** false with `--no-worker`: only store the runs (a running `pipewright start` executes them). */
  worker?: boolean
  sandbox?: boolean
  /** With --sandbox: enforce sandbox.yaml (or `sandboxConfig`), as `pipewright sandbox --strict`. */
  strict?: boolean
  sandboxConfig?: string
  maxWait?: string
  json?: boolean
}

export async function importCommand(io: CliIo, pipelineId: string, file: string, opts: ImportOptions): Promise<number> {
  const path = resolve(io.cwd, file)
  if (file !== '-' && !existsSync(path)) {
    io.err(`no such file: ${file}`)
    return 2
  }
  const maxWait = tryParseDuration(opts.maxWait ?? '10m')
  if (typeof maxWait === 'string') {
    io.err(`--max-wait: ${maxWait}`)
    return 2
  }
  const worker = opts.worker !== false
  const sandbox = await sandboxFromFlags(io.cwd, { sandbox: opts.sandbox, strict: opts.strict, config: opts.sandboxConfig })
  if (sandbox && 'usage' in sandbox) {
    io.err(sandbox.usage)
    return 2
  }
  const runtime = await createRuntime({
    cwd: io.cwd,
    env: io.env,
    pipelinesDir: pipelinesDir(io, opts.dir),
    databaseUrl: opts.db,
    worker,
    scheduler: false,
    connectionOverrides: sandbox?.env,
    allowPrivateNetwork: sandbox?.allowPrivateNetwork,
    logLevel: 'silent',
  })
  try {
    if (!runtime.hub.getPipeline(pipelineId)) {
      io.err(
        `no pipeline "${pipelineId}"; loaded: ${
          runtime.hub
            .pipelines()
            .map((p) => p.id)
            .join(', ') || '(none)'
        }`,
      )
      return 2
    }
    const statuses: Record<string, number> = {}
    const tracker = worker ? trackRuns(runtime.hub) : null
    const meter = progressMeter(io, { label: pipelineId })
    let read = 0
    const size = file === '-' ? 0 : statSync(path).size
    const state = (p: CsvImportProgress, reading: boolean): ImportProgressState => {
      const t = tracker?.tally()
      return {
        rows: p.rows,
        bad: p.bad,
        duplicates: p.duplicates,
        runs: t?.runs ?? p.accepted + p.duplicates,
        done: t?.done ?? 0,
        reading,
        fraction: size > 0 ? Math.min(1, read / size) : undefined,
      }
    }
    let input: Readable
    if (file === '-') input = streamOf(await io.stdin())
    else {
      input = createReadStream(path)
      input.on('data', (c: Buffer) => {
        read += c.length
      })
    }
    let last: CsvImportProgress = { rows: 0, accepted: 0, duplicates: 0, bad: 0 }
    let summary: CsvImportSummary
    try {
      summary = await importCsv(runtime.hub, pipelineId, input, {
        idColumn: opts.idColumn,
        delimiter: opts.delimiter,
        batchSize: opts.batchSize ? Number(opts.batchSize) : undefined,
        onRuns: (ids) => tracker?.add(ids),
        onProgress: (p) => {
          last = p
          meter.update(state(p, true))
        },
      })
      last = summary
      const tally = tracker
        ? await tracker.waitAll({ timeoutMs: maxWait, onTick: () => meter.update(state(last, false)), tickMs: 100 })
        : null
      meter.finish(state(last, false))
      if (tally) Object.assign(statuses, tally.statuses)
    } finally {
      tracker?.close()
    }
    for (const b of summary.badRows) io.err(`  line ${b.line}: ${b.message}`)
    if (summary.bad > summary.badRows.length) io.err(`  … and ${summary.bad - summary.badRows.length} more bad rows`)
    const unfinished = (statuses.waiting ?? 0) + (statuses.running ?? 0) + (statuses.queued ?? 0)
    if (unfinished > 0)
      io.err(
        `${unfinished} runs had not finished after --max-wait ${opts.maxWait ?? '10m'}; they stay in the database and a running \`pipewright start\` or \`pipewright worker\` finishes them`,
      )
    if (opts.json) io.out(JSON.stringify({ ...summary, runIds: undefined, statuses }))
    else {
      io.out(`${summary.rows} rows: ${summary.accepted} runs started, ${summary.duplicates} duplicates skipped, ${summary.bad} bad rows`)
      if (worker)
        io.out(
          `runs: ${
            Object.entries(statuses)
              .map(([s, n]) => `${n} ${s}`)
              .join(', ') || 'none'
          }`,
        )
      else io.out('runs are queued; a running `pipewright start` or `pipewright worker` executes them')
    }
    const failed = (statuses.dead ?? 0) + (statuses.missing ?? 0) + unfinished
    return summary.bad > 0 || failed > 0 ? 1 : 0
  } finally {
    await runtime.close(2000)
    await sandbox?.close()
  }
}

export async function runsExportCommand(
  io: CliIo,
  opts: { db?: string; pipeline?: string; status?: string; limit?: string; format?: string; out?: string; steps?: boolean },
): Promise<number> {
  if ((opts.format ?? 'csv') !== 'csv') {
    io.err(`--format ${opts.format} is not supported; use csv`)
    return 2
  }
  const store = await createStore(resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  await store.migrate()
  const noActions = { execute: async () => undefined, check: () => null, close: async () => {} }
  // Masked like the API: every secret the running hub would mask, whatever the variable's name.
  const { secrets } = await cliRedaction(io, resolve(io.cwd, 'pipelines'))
  const hub = await createHub({ pipelines: [], store, actions: noActions, worker: false, scheduler: false, redact: { secrets } })
  try {
    const query = {
      pipeline: opts.pipeline,
      status: opts.status?.split(',') as RunStatus[] | undefined,
      limit: opts.limit ? Number(opts.limit) : 1000,
      steps: opts.steps,
    }
    if (opts.out) {
      const file = createWriteStream(resolve(io.cwd, opts.out))
      const n = await exportRunsCsv(hub, query, file)
      await new Promise<void>((r) => file.end(r))
      io.err(`${n} runs written to ${opts.out}`)
    } else {
      const sink = new PassThrough()
      const chunks: Buffer[] = []
      sink.on('data', (c: Buffer) => chunks.push(c))
      await exportRunsCsv(hub, query, sink)
      io.out(Buffer.concat(chunks).toString('utf8'))
    }
    return 0
  } finally {
    await hub.close()
  }
}

function streamOf(text: string) {
  const s = new PassThrough()
  s.end(text)
  return s
}
