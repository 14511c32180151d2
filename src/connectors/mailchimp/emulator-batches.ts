/**
 * Batch operations in the Mailchimp emulator, as Mailchimp runs them: `POST /batches`
 * `{ operations: [{ method, path, params?, body? (a JSON string), operation_id? }] }` answers at
 * once with `status: pending`; the operations then run one by one in the background
 * (`started`, then `finished`), each through the same handlers as a direct call but without the
 * connection limit. `GET /batches/{id}` reports progress; once finished, `response_body_url`
 * serves a gzipped tar whose JSON file holds `[{ status_code, operation_id, response }]`
 * (`response` is the operation's JSON body as a string).
 * @module
 */
import { gzipSync } from 'node:zlib'
import { pack } from 'tar-stream'
import { type EmulatorReply, type EmulatorRequest, json } from '../../sandbox/reply.js'
import { type BatchOperation, type BatchState, invalid, type MailchimpState, mcTime, nextId, notFound } from './emulator-state.js'

/** Runs one operation against the emulator's own handlers. */
export type InternalDispatch = (op: { method: string; path: string; query: URLSearchParams; body: unknown }) => Promise<EmulatorReply>

/** Most operations per batch we accept (Mailchimp documents no hard number; its guidance is a few hundred thousand). */
const MAX_OPERATIONS = 500_000

export function batchJson(b: BatchState, base: string) {
  const done = b.status === 'finished'
  return {
    id: b.id,
    status: b.status,
    total_operations: b.total_operations,
    finished_operations: b.finished_operations,
    errored_operations: b.errored_operations,
    submitted_at: b.submitted_at,
    completed_at: b.completed_at,
    response_body_url: done ? `${base}/__mailchimp/batch-results/${b.id}.tar.gz` : '',
    _links: [],
  }
}

/** The results archive: `<id>/<id>-<n>.json` files of at most 1,000 results each. */
export async function resultsArchive(b: BatchState): Promise<Buffer> {
  const tar = pack()
  const chunks: Buffer[] = []
  tar.on('data', (c: unknown) => chunks.push(c as Buffer))
  const ended = new Promise<void>((resolve, reject) => {
    tar.on('end', () => resolve())
    tar.on('error', reject)
  })
  tar.entry({ name: `${b.id}/`, type: 'directory' })
  for (let i = 0, n = 0; i < Math.max(1, b.results.length); i += 1000, n++)
    tar.entry({ name: `${b.id}/${b.id}-${n}.json` }, JSON.stringify(b.results.slice(i, i + 1000)))
  tar.finalize()
  await ended
  return gzipSync(Buffer.concat(chunks))
}

export function createBatchRunner(options: { dispatch: InternalDispatch; delayMs: number; now: () => number }) {
  const running = new Set<Promise<void>>()

  async function run(state: MailchimpState, b: BatchState): Promise<void> {
    if (options.delayMs > 0) await new Promise((r) => setTimeout(r, options.delayMs))
    if (state.batches.get(b.id) !== b) return
    b.status = 'started'
    for (const op of b.operations) {
      if (state.batches.get(b.id) !== b) return // deleted while running
      let reply: EmulatorReply
      try {
        const path = op.path.startsWith('/') ? op.path : `/${op.path}`
        const query = new URLSearchParams(Object.entries(op.params ?? {}).map(([k, v]): [string, string] => [k, String(v)]))
        let body: unknown
        if (op.body !== undefined && op.body !== '') body = JSON.parse(op.body)
        reply = await options.dispatch({ method: String(op.method).toUpperCase(), path, query, body })
      } catch (e) {
        reply = invalid('body', `The operation body is not valid JSON: ${(e as Error).message}`)
      }
      const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
      b.results.push({ status_code: reply.status, operation_id: op.operation_id ?? null, response: text })
      b.finished_operations++
      if (reply.status >= 400) b.errored_operations++
      await new Promise((r) => setImmediate(r))
    }
    b.status = 'finished'
    b.completed_at = mcTime(options.now())
  }

  return {
    /** Wait for every batch started so far. */
    async flush(): Promise<void> {
      while (running.size) await Promise.all([...running])
    },
    start(req: EmulatorRequest, state: MailchimpState, base: string): EmulatorReply {
      const ops = (req.body as { operations?: unknown } | undefined)?.operations
      if (!Array.isArray(ops)) return invalid('operations', 'This value should not be blank.')
      if (ops.length > MAX_OPERATIONS) return invalid('operations', `At most ${MAX_OPERATIONS} operations per batch.`)
      for (const [i, op] of ops.entries()) {
        const o = op as Partial<BatchOperation>
        if (typeof o?.method !== 'string' || !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(o.method.toUpperCase()))
          return invalid(`operations.${i}.method`, 'Value must be one of: GET, POST, PUT, PATCH, DELETE')
        if (typeof o.path !== 'string' || o.path === '') return invalid(`operations.${i}.path`, 'This value should not be blank.')
        if (o.body !== undefined && typeof o.body !== 'string')
          return invalid(`operations.${i}.body`, 'Schema describes string, object found instead')
      }
      const b: BatchState = {
        id: nextId(state),
        status: 'pending',
        operations: ops as BatchOperation[],
        total_operations: ops.length,
        finished_operations: 0,
        errored_operations: 0,
        submitted_at: mcTime(options.now()),
        completed_at: '',
        results: [],
      }
      state.batches.set(b.id, b)
      const p = run(state, b)
      running.add(p)
      void p.finally(() => running.delete(p))
      return json(200, batchJson(b, base))
    },
    get(req: EmulatorRequest, state: MailchimpState, base: string): EmulatorReply {
      const b = state.batches.get(req.params.batch!)
      return b ? json(200, batchJson(b, base)) : notFound()
    },
    list(req: EmulatorRequest, state: MailchimpState, base: string): EmulatorReply {
      const all = [...state.batches.values()].map((b) => batchJson(b, base))
      const count = Number(req.query.get('count') ?? 10)
      const offset = Number(req.query.get('offset') ?? 0)
      return json(200, { batches: all.slice(offset, offset + count), total_items: all.length, _links: [] })
    },
    remove(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
      return state.batches.delete(req.params.batch!) ? { status: 204 } : notFound()
    },
    async results(req: EmulatorRequest, state: MailchimpState): Promise<EmulatorReply> {
      const b = state.batches.get(String(req.params.file).replace(/\.tar\.gz$/, ''))
      if (b?.status !== 'finished')
        return { status: 404, headers: { 'content-type': 'application/xml' }, body: '<Error><Code>NoSuchKey</Code></Error>' }
      return { status: 200, headers: { 'content-type': 'application/x-gzip' }, body: await resultsArchive(b) }
    },
  }
}
