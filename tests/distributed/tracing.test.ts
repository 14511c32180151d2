/**
 * Traces in distributed mode: `pipewright start --no-worker` takes the webhook, a `pipewright
 * worker` process (Postgres + Redis) executes the run and exports its spans to a loopback OTLP
 * receiver — the run span with its step spans and the connector call, under the run's trace id,
 * from the worker's instance — and its log line names that trace id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { traceIdOf } from '../../src/observe/tracing.js'
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp-receiver.js'
import { createDatabase, distBuilt, FIXTURES, killAll, pipewright, type Receiver, startReceiver, stop } from './helpers/cluster.js'
import { deleteKeys, postgresUrl, REDIS_URL, randomName, redisReachable } from './helpers/services.js'

const pgUrl = await postgresUrl()
const ready = Boolean(pgUrl) && (await redisReachable()) && distBuilt()
if (!ready) console.warn('distributed tracing test skipped: needs Postgres, Redis and a built dist/ (npm run build)')

const DIR = `${FIXTURES}pipelines/load`

let db: Awaited<ReturnType<typeof createDatabase>>
let receiver: Receiver
let otlp: OtlpReceiver
let prefix: string
let env: Record<string, string>

beforeEach(async () => {
  if (!ready) return
  db = await createDatabase(pgUrl!)
  receiver = await startReceiver()
  otlp = await startOtlpReceiver()
  prefix = randomName('pwtrace')
  env = { PIPEWRIGHT_DATABASE_URL: db.url, PIPEWRIGHT_REDIS_URL: REDIS_URL, PIPEWRIGHT_REDIS_PREFIX: prefix, RECEIVER_URL: receiver.url }
})

afterEach(async () => {
  if (!ready) return
  await killAll()
  await receiver.close()
  await otlp.close()
  await db.drop()
  await deleteKeys(`${prefix}:*`)
})

describe.skipIf(!ready)('traces from a worker process', () => {
  it('the worker that executes the run exports its run, step and call spans under the run trace id', { timeout: 120_000 }, async () => {
    const api = pipewright(['start', '--no-worker', '--port', '0', '--dir', DIR], env)
    const url = /listening on (http:\/\/\S+)/.exec(await api.waitFor(/listening on (http:\/\/\S+)/))![1]
    const worker = pipewright(['worker', '--concurrency', '4', '--dir', DIR], {
      ...env,
      PIPEWRIGHT_LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    })
    const banner = await worker.waitFor(/pipewright worker: .*dispatch bullmq/)
    expect(banner).toContain(`traces to ${otlp.url}/v1/traces (OTLP http/protobuf)`)

    const res = await fetch(`${url}/hooks/load`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ann@example.com', n: 1 }),
    })
    expect(res.status).toBe(202)
    const { runId } = (await res.json()) as { runId: string }
    const traceId = traceIdOf(runId)

    const spans = await otlp.waitFor(
      (s) => s.some((x) => x.name === 'run load' && x.attributes['pipewright.run.outcome'] === 'succeeded'),
      60_000,
    )
    const [run] = spans.filter((s) => s.name === 'run load')
    expect(run!.traceId).toBe(traceId)
    expect(String(run!.resource['service.instance.id'])).toContain(`:${worker.pid}:`)
    const steps = spans.filter((s) => s.name.startsWith('step '))
    expect(steps.map((s) => s.attributes['pipewright.step.id'])).toEqual(['lead', 'deliver'])
    for (const s of steps) expect(s.parentSpanId).toBe(run!.spanId)
    const [call] = spans.filter((s) => s.name === 'http request')
    expect(call!.parentSpanId).toBe(steps[1]!.spanId)
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]))

    const line = await worker.waitFor(new RegExp(`"run_id":"${runId}".*"msg":"run succeeded"`))
    expect(JSON.parse(line).trace_id).toBe(traceId)
    // The API process has no OTLP settings: nothing else was exported.
    expect(await stop(worker)).toBe(0)
    expect(await stop(api)).toBe(0)
    expect(otlp.spans.every((s) => String(s.resource['service.instance.id']).includes(`:${worker.pid}:`))).toBe(true)
  })
})
