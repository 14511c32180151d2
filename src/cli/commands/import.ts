/**
 * `pipewright import <pipeline> file.csv` (one event per row, streamed, progress on stderr,
 * bad rows with line numbers, a summary) and `pipewright runs export --format csv`.
 * @module
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { exportRunsCsv } from '../../csv/export.js'
import { type CsvImportProgress, importCsv } from '../../csv/import.js'
import { createHub } from '../../engine/hub.js'
import { tryParseDuration } from '../../pipeline/duration.js'
import { createRuntime, DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import { createStore } from '../../store/index.js'
import type { RunStatus } from '../../types.js'
import type { CliIo } from '../io.js'
import { pipelinesDir } from './local.js'
import { sandboxOverrides } from './sandbox.js'

export interface ImportOptions {
  dir?: string
  db?: string
  idColumn?: string
  delimiter?: string
  batchSize?: string
  /** false with `--no-worker`: only store the runs (a running `pipewright start` executes them). */
  worker?: boolean
  sandbox?: boolean
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
  const sandbox = opts.sandbox ? await sandboxOverrides() : null
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
    let lastShown = 0
    const progress = (p: CsvImportProgress) => {
      if (p.rows - lastShown < 1000 && lastShown !== 0) return
      lastShown = p.rows
      io.err(`importing ${pipelineId}: ${p.rows} rows read, ${p.accepted} runs started, ${p.duplicates} duplicates, ${p.bad} bad`)
    }
    const input = file === '-' ? streamOf(await io.stdin()) : createReadStream(path)
    const summary = await importCsv(runtime.hub, pipelineId, input, {
      idColumn: opts.idColumn,
      delimiter: opts.delimiter,
      batchSize: opts.batchSize ? Number(opts.batchSize) : undefined,
      onProgress: progress,
    })
    for (const b of summary.badRows) io.err(`  line ${b.line}: ${b.message}`)
    if (summary.bad > summary.badRows.length) io.err(`  … and ${summary.bad - summary.badRows.length} more bad rows`)
    const statuses: Record<string, number> = {}
    if (worker) {
      for (const id of summary.runIds) {
        const run = await runtime.hub.waitForRun(id, maxWait)
        statuses[run?.status ?? 'missing'] = (statuses[run?.status ?? 'missing'] ?? 0) + 1
      }
    }
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
    const failed = (statuses.dead ?? 0) + (statuses.waiting ?? 0) + (statuses.running ?? 0) + (statuses.queued ?? 0)
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
  const hub = await createHub({ pipelines: [], store, actions: noActions, worker: false, scheduler: false })
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
