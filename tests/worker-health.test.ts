/**
 * A worker (no public server) serves /healthz, /readyz and /metrics on --metrics-port, with the
 * process metrics (CPU, memory, event loop) beside the run metrics; the API server's /metrics has
 * the process metrics too.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { manual } from '../src/pipeline/define.js'
import { createRuntime } from '../src/runtime.js'
import { compile, eventually, tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
afterEach(() => tmp?.cleanup())

const pipeline = () => compile({ id: 'tick', trigger: manual(), steps: [{ id: 'a', map: () => ({ ok: true }) }] })

describe('worker health and metrics', () => {
  it('serves /healthz, /readyz and /metrics (runs and process) on the metrics port', async () => {
    tmp = tempDir('pw-worker-health-')
    const rt = await createRuntime({ cwd: tmp.dir, env: {}, pipelines: [pipeline()], worker: true, metricsPort: 0, logLevel: 'silent' })
    try {
      expect(rt.url).toBeNull()
      expect(rt.healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const [r] = await rt.hub.ingest('tick', [{ payload: {} }])
      await eventually(async () => (await rt.hub.store.getRun(r!.runId))?.status === 'succeeded')
      expect(await (await fetch(`${rt.healthUrl}/healthz`)).json()).toEqual({ status: 'ok' })
      expect(await (await fetch(`${rt.healthUrl}/readyz`)).json()).toEqual({ status: 'ready', store: 'sqlite', dispatch: 'memory' })
      const metrics = await (await fetch(`${rt.healthUrl}/metrics`)).text()
      await eventually(async () =>
        (await (await fetch(`${rt.healthUrl}/metrics`)).text()).includes('pipewright_runs_total{pipeline="tick",status="succeeded"} 1'),
      )
      for (const name of [
        'process_cpu_user_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
      ])
        expect(metrics, name).toContain(`# TYPE ${name}`)
      expect((await fetch(`${rt.healthUrl}/api/v1/runs`)).status).toBe(404)
    } finally {
      await rt.close(3000)
    }
  })

  it('answers 503 with Retry-After on /readyz when the store is gone', async () => {
    tmp = tempDir('pw-worker-health-')
    const rt = await createRuntime({
      cwd: tmp.dir,
      env: { PIPEWRIGHT_METRICS_PORT: '0' },
      pipelines: [pipeline()],
      worker: true,
      logLevel: 'silent',
    })
    const url = rt.healthUrl!
    try {
      await rt.hub.store.close()
      const res = await fetch(`${url}/readyz`)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PW_STORE_UNAVAILABLE')
    } finally {
      await rt.close(3000).catch(() => {})
    }
  })

  it('the API server exports the process metrics on its /metrics', async () => {
    tmp = tempDir('pw-worker-health-')
    const rt = await createRuntime({ cwd: tmp.dir, env: {}, pipelines: [pipeline()], server: true, port: 0, logLevel: 'silent' })
    try {
      const text = await (await fetch(`${rt.url}/metrics`)).text()
      expect(text).toContain('# TYPE process_resident_memory_bytes gauge')
      expect(rt.healthUrl).toBeNull()
    } finally {
      await rt.close(3000)
    }
  })
})
