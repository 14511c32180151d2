/**
 * `pipewright demo`: start Pipewright on the demo pipelines with a throw-away database, post
 * sample Clay-style lead events to its own webhook, deliver them to local receivers, print
 * what happened, and keep serving until Ctrl-C (`--exit` stops when done).
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRuntime } from '../../runtime.js'
import type { RunStatus } from '../../types.js'
import { type CliIo, table } from '../io.js'

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const DEMO_PIPELINES = join(PACKAGE_ROOT, 'examples', 'demo', 'pipelines')
const SECRET = 'demo-secret'

export const DEMO_EVENTS = [
  { row_id: 'row-1', row_data: { email: ' Ann.Lee@Acme.com ', website: 'https://www.acme.com/about', company: 'ACME, Inc.' }, intent: 92, fit: 88 },
  { row_id: 'row-2', row_data: { email: 'not-an-email', website: 'globex.com', company: 'Globex' }, intent: 70, fit: 50 },
  { row_id: 'row-3', row_data: { email: 'bob@initech.io', website: 'initech.io', company: 'Initech' }, intent: 30, fit: 62 },
  { row_id: 'row-4', row_data: { email: 'carla@umbrella-corp.com', website: 'http://umbrella-corp.com', company: 'Umbrella' }, intent: 85, fit: 95 },
  { row_id: 'row-1', row_data: { email: 'ann.lee@acme.com', website: 'acme.com', company: 'ACME' }, intent: 92, fit: 88 },
  { row_id: 'row-5', row_data: { email: 'reject@blocked-corp.com', website: 'blocked-corp.com', company: 'Blocked' }, intent: 10, fit: 10 },
]

interface Receiver {
  url: string
  received: Array<{ path: string; body: unknown; idempotencyKey: string | undefined }>
  close(): Promise<void>
}

/** A small local receiver standing in for a CRM intake and a chat alert hook. */
async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = []
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let s = ''
      req.on('data', (c) => (s += c))
      req.on('end', () => resolve(s))
    })
  const server: Server = createServer(async (req, res) => {
    const text = await read(req)
    const body = text ? JSON.parse(text) : null
    if (req.url === '/crm/leads' && String(body?.email ?? '').startsWith('reject@')) {
      res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'domain is on the block list' }))
      return
    }
    received.push({ path: req.url ?? '', body, idempotencyKey: req.headers['idempotency-key'] as string | undefined })
    res.writeHead(req.url === '/crm/leads' ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, id: received.length }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) }
}

export async function demoCommand(io: CliIo, opts: { exit?: boolean; port?: string }): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), 'pipewright-demo-'))
  const receiver = await startReceiver()
  const env = { ...io.env, CLAY_CALLBACK_SECRET: SECRET, DEMO_CRM_URL: `${receiver.url}/crm/leads`, DEMO_ALERT_URL: `${receiver.url}/alerts` }
  const runtime = await createRuntime({
    cwd: io.cwd,
    env,
    pipelinesDir: DEMO_PIPELINES,
    databaseUrl: `sqlite:${join(tmp, 'demo.db')}`,
    server: true,
    host: '127.0.0.1',
    port: Number(opts.port ?? 0),
    logLevel: 'silent',
  })
  try {
    io.out(`Pipewright demo — serving on ${runtime.url}`)
    io.out(`posting ${DEMO_EVENTS.length} Clay-style lead events to ${runtime.url}/hooks/clay-leads`)
    const runIds = new Set<string>()
    for (const event of DEMO_EVENTS) {
      const res = await fetch(`${runtime.url}/hooks/clay-leads`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET }, body: JSON.stringify(event) })
      const body = (await res.json()) as { runId?: string; duplicate?: boolean }
      io.out(`  ${event.row_id.padEnd(6)} ${String(event.row_data.email).trim().padEnd(26)} → ${res.status}${body.duplicate ? ' duplicate of ' + body.runId : ''}`)
      if (body.runId) runIds.add(body.runId)
    }
    const deadline = Date.now() + 30_000
    let counts: Record<RunStatus, number>
    do {
      await new Promise((r) => setTimeout(r, 100))
      counts = await runtime.hub.store.countRuns({ pipelineId: 'clay-leads' })
    } while (counts.queued + counts.running + counts.waiting > 0 && Date.now() < deadline)
    const dead = await runtime.hub.store.listDeadLetters({ pipelineId: 'clay-leads' })
    io.out('')
    io.out(`runs: ${Object.entries(counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')}`)
    io.out(`deliveries: ${receiver.received.filter((r) => r.path === '/crm/leads').length} to the CRM intake, ${receiver.received.filter((r) => r.path === '/alerts').length} hot-lead alert(s)`)
    io.out(`dead letters: ${dead.length}`)
    if (dead.length) io.out(table(dead.map((d) => ({ run: d.runId, reason: d.reason, step: d.stepId, error: d.error?.message })), ['run', 'reason', 'step', 'error']))
    io.out('')
    io.out(`inspect runs: ${runtime.url}/api/v1/runs  ·  dead letters: ${runtime.url}/api/v1/dead-letters  ·  dashboard: ${runtime.url}/`)
    if (!opts.exit) {
      io.out('serving until Ctrl-C…')
      await io.untilSignal()
    }
    const expected = counts.succeeded >= 3 && counts.filtered >= 1 && dead.length >= 1
    return expected ? 0 : 1
  } finally {
    await runtime.close(3000)
    await receiver.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}
