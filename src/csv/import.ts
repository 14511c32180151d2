/**
 * `importCsv`: stream a CSV into a pipeline as one event per row, in batches through
 * `hub.ingest` (so back-pressure, delivery-id dedupe and dispatch apply as for webhooks).
 * Rows that cannot be parsed are reported with their line number and skipped; the import
 * goes on. The CLI (`pipewright import`) and `POST /api/v1/pipelines/:id/import` call it.
 *
 * @example
 * ```ts
 * const summary = await importCsv(hub, 'leads', createReadStream('leads.csv'), { onProgress: (p) => console.error(p.rows) })
 * ```
 * @module
 */
import { Readable } from 'node:stream'
import { parse as parseRecord } from 'csv-parse/sync'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes, PipewrightError } from '../errors.js'
import { CsvRecordReader } from './records.js'

export interface CsvImportOptions {
  /** Rows per `ingest` call. @defaultValue 200 */
  batchSize?: number
  /** Column whose value is each row's delivery id: importing the same rows again starts no new runs. */
  idColumn?: string
  /** Field delimiter. @defaultValue ',' */
  delimiter?: string
  /** Called after each batch. */
  onProgress?: (p: CsvImportProgress) => void
  /** Keep at most this many bad-row reports (the count is always exact). @defaultValue 100 */
  maxBadRows?: number
  /** Called with every batch's run ids (duplicates give the earlier run's id), uncapped: `runIds` keeps the first 10,000 only. */
  onRuns?: (runIds: string[]) => void
  /** A quoted field spanning more lines than this is taken as an unclosed quote. @defaultValue 1000 */
  maxRecordLines?: number
  /** Waits between tries when the hub pushes back. @defaultValue 250 ms, given by the hub */
  sleep?: (ms: number) => Promise<void>
}

export interface CsvImportProgress {
  rows: number
  accepted: number
  duplicates: number
  bad: number
}

export interface BadRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number
  message: string
}

export interface CsvImportSummary extends CsvImportProgress {
  pipelineId: string
  runIds: string[]
  badRows: BadRow[]
}

/** How many run ids a summary keeps (the counts are always exact; `onRuns` sees every id). */
const MAX_RUN_IDS = 10_000

export async function importCsv(
  hub: Pick<Hub, 'ingest' | 'getPipeline'>,
  pipelineId: string,
  input: Readable | string,
  options: CsvImportOptions = {},
): Promise<CsvImportSummary> {
  if (!hub.getPipeline(pipelineId))
    throw new PipewrightError(`pipeline ${pipelineId} is not loaded`, { code: ErrorCodes.PIPELINE_NOT_FOUND })
  const batchSize = options.batchSize ?? 200
  const maxBad = options.maxBadRows ?? 100
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const summary: CsvImportSummary = { pipelineId, rows: 0, accepted: 0, duplicates: 0, bad: 0, runIds: [], badRows: [] }
  const bad = (line: number, message: string) => {
    summary.bad++
    if (summary.badRows.length < maxBad) summary.badRows.push({ line, message })
  }
  const reader = new CsvRecordReader({ delimiter: options.delimiter ?? ',', maxRecordLines: options.maxRecordLines })
  const source: AsyncIterable<string | Buffer> = typeof input === 'string' ? Readable.from([input]) : input
  let columns: string[] | null = null
  const rows = async function* () {
    for await (const chunk of reader.records(source)) {
      if ('error' in chunk) {
        if (columns) summary.rows++
        bad(chunk.line, chunk.error)
        continue
      }
      let fields: string[]
      try {
        const text = columns ? chunk.text : chunk.text.replace(/^\uFEFF/, '')
        fields =
          (
            parseRecord(text, {
              delimiter: options.delimiter ?? ',',
              relax_quotes: true,
              trim: true,
              relax_column_count: true,
            }) as string[][]
          )[0] ?? []
      } catch (e) {
        if (columns) summary.rows++
        bad(chunk.line, (e as Error).message)
        continue
      }
      if (fields.length === 0 || (fields.length === 1 && fields[0] === '')) continue
      if (!columns) {
        columns = fields
        continue
      }
      summary.rows++
      if (fields.length !== columns.length) {
        bad(chunk.line, `wrong number of columns: expected ${columns.length}, got ${fields.length}`)
        if (chunk.lines > 1) reader.retryAfterFirstLine()
        continue
      }
      const record: Record<string, string> = {}
      columns.forEach((c, i) => {
        record[c] = fields[i]!
      })
      yield { record, line: chunk.line }
    }
  }

  let batch: Array<{ line: number; payload: Record<string, string> }> = []
  const flush = async () => {
    if (batch.length === 0) return
    const deliveries = batch.map((b) => ({
      payload: b.payload,
      deliveryId: options.idColumn ? `csv:${b.payload[options.idColumn]}` : null,
      meta: { csvLine: b.line },
    }))
    for (let tries = 0; ; tries++) {
      try {
        const results = await hub.ingest(pipelineId, deliveries, { trigger: 'manual' })
        for (const r of results) {
          if (r.duplicate) summary.duplicates++
          else summary.accepted++
          if (summary.runIds.length < MAX_RUN_IDS) summary.runIds.push(r.runId)
        }
        options.onRuns?.(results.map((r) => r.runId))
        break
      } catch (e) {
        const retryAfter = (e as { retryAfterMs?: number }).retryAfterMs
        if ((e as PipewrightError).code !== ErrorCodes.BACK_PRESSURE || tries > 600) throw e
        await sleep(retryAfter ?? 250)
      }
    }
    batch = []
    options.onProgress?.({ rows: summary.rows, accepted: summary.accepted, duplicates: summary.duplicates, bad: summary.bad })
  }

  for await (const { record, line } of rows()) {
    if (options.idColumn && !record[options.idColumn]) {
      bad(line, `column "${options.idColumn}" (the id column) is empty`)
      continue
    }
    batch.push({ line, payload: record })
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  return summary
}
