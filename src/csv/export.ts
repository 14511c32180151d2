/**
 * Run results as CSV: one row per run with its status, error, event and the output of its
 * last step (JSON in a cell), streamed with csv-stringify. `pipewright runs export` and
 * `GET /api/v1/runs/export.csv` call it.
 * @module
 */
import type { Writable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { Hub } from '../engine/hub.js'
import type { RunStatus } from '../types.js'

export interface RunExportQuery {
  pipeline?: string
  status?: RunStatus[]
  /** @defaultValue 1000 */
  limit?: number
  /** Also export every step's output, one column per step path. @defaultValue false */
  steps?: boolean
}

export const RUN_CSV_COLUMNS = [
  'run_id',
  'pipeline',
  'version',
  'status',
  'current_step',
  'attempt',
  'created_at',
  'finished_at',
  'error_code',
  'error',
  'event',
  'output',
] as const

/** The rows of a run export (redacted like the API). */
export async function runExportRows(hub: Pick<Hub, 'store' | 'redactor'>, q: RunExportQuery): Promise<Array<Record<string, unknown>>> {
  const runs = await hub.store.listRuns({
    pipelineId: q.pipeline,
    status: q.status,
    limit: Math.min(Math.max(1, q.limit ?? 1000), 100_000),
  })
  const rows: Array<Record<string, unknown>> = []
  for (const r of runs) {
    const [event, steps] = await Promise.all([hub.store.getEvent(r.eventId), hub.store.getSteps(r.id)])
    const last = [...steps].reverse().find((s) => s.status === 'succeeded' && !s.stepPath.includes('.'))
    const row: Record<string, unknown> = {
      run_id: r.id,
      pipeline: r.pipelineId,
      version: r.pipelineVersion,
      status: r.status,
      current_step: r.currentStep ?? '',
      attempt: r.attempt,
      created_at: new Date(r.createdAt).toISOString(),
      finished_at: r.finishedAt ? new Date(r.finishedAt).toISOString() : '',
      error_code: r.error?.code ?? '',
      error: hub.redactor.text(r.error?.message ?? ''),
      event: json(hub.redactor.value(event?.payload ?? null)),
      output: last ? json(hub.redactor.value(last.output)) : '',
    }
    if (q.steps) for (const s of steps) row[`step:${s.stepPath}`] = json(hub.redactor.value(s.output))
    rows.push(row)
  }
  return rows
}

/** Write the export to `out` (a file, stdout, an HTTP reply stream). */
export async function exportRunsCsv(hub: Pick<Hub, 'store' | 'redactor'>, q: RunExportQuery, out: Writable): Promise<number> {
  const rows = await runExportRows(hub, q)
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => k.startsWith('step:'))))]
  const columns = [...RUN_CSV_COLUMNS, ...extra]
  await new Promise<void>((resolve, reject) => {
    const s = stringify({ header: true, columns })
    s.on('error', reject)
    s.pipe(out, { end: false })
    s.on('end', () => resolve())
    for (const r of rows) s.write(r)
    s.end()
  })
  return rows.length
}

/** The export as one string (small exports, tests, the API). */
export async function runsCsvString(hub: Pick<Hub, 'store' | 'redactor'>, q: RunExportQuery): Promise<string> {
  const { PassThrough } = await import('node:stream')
  const chunks: Buffer[] = []
  const sink = new PassThrough()
  sink.on('data', (c: Buffer) => chunks.push(c))
  await exportRunsCsv(hub, q, sink)
  return Buffer.concat(chunks).toString('utf8')
}

function json(v: unknown): string {
  return v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)
}
