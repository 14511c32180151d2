/**
 * OpenTelemetry traces against a real OTLP/HTTP receiver on loopback: a span per run, a child
 * span per step, connector calls under their step, the trace id in the run's log lines, nothing
 * secret in what is exported; and, with the environment unset, no export and no SDK loaded.
 */
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { traceIdOf } from '../src/observe/tracing.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { runBinary } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'
import { LOOPBACK_ENV } from './helpers/net.js'
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver.js'

const TOKEN = 'crm-token-4b1d77e0c9a2'
const EMAIL = 'ann.traced@example.com'

const PIPELINE = [
  'id: traced',
  'trigger:',
  '  webhook: { path: traced }',
  'steps:',
  '  - id: lead',
  '    map: { email: "{{ event.email }}", score: "{{ event.score }}" }',
  '  - id: hot',
  '    filter: "{{ lead.score >= 50 }}"',
  '  - id: deliver',
  '    action: http.request',
  '    retry: { maxAttempts: 1 }',
  '    with:',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML pipeline's own ${VAR} placeholders
  '      url: "${CRM_URL}/contacts"',
  '      method: POST',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML pipeline's own ${VAR} placeholders
  '      headers: { authorization: "Bearer ${CRM_TOKEN}" }',
  '      body: "{{ lead }}"',
  '',
].join('\n')

describe('OpenTelemetry traces', () => {
  const tmp = tempDir('pw-tracing-')
  let receiver: OtlpReceiver
  let provider: Server
  let providerUrl = ''
  let providerStatus = 200
  let rt: Runtime | null = null

  beforeAll(async () => {
    receiver = await startOtlpReceiver()
    provider = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(providerStatus, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ ok: providerStatus < 400 }))
      })
    })
    provider.listen(0, '127.0.0.1')
    await once(provider, 'listening')
    providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`
    mkdirSync(join(tmp.dir, 'pipelines'))
    writeFileSync(join(tmp.dir, 'pipelines', 'traced.yaml'), PIPELINE)
  })
  afterEach(async () => {
    await rt?.close(2000)
    rt = null
    receiver.spans.length = 0
    receiver.bodies.length = 0
    receiver.contentTypes.length = 0
  })
  afterAll(async () => {
    await receiver.close()
    provider.close()
    tmp.cleanup()
  })

  async function start(otel: Record<string, string>, logs: string[] = []) {
    rt = await createRuntime({
      cwd: tmp.dir,
      // Spans go out 20 ms after they end (the run may be seen over before its span has ended).
      env: { ...LOOPBACK_ENV, CRM_URL: providerUrl, CRM_TOKEN: TOKEN, OTEL_BSP_SCHEDULE_DELAY: '20', ...otel },
      databaseUrl: `sqlite:${join(tmp.dir, `${Math.random().toString(36).slice(2)}.db`)}`,
      observe: false,
      logDestination: new Writable({
        write(chunk, _e, done) {
          logs.push(String(chunk))
          done()
        },
      }) as never,
    })
    return rt
  }

  async function runOnce(runtime: Runtime, payload: object) {
    const [r] = await runtime.hub.ingest('traced', [{ payload }], { trigger: 'manual' })
    const run = await runtime.hub.waitForRun(r!.runId, 20_000)
    return { runId: r!.runId, status: run?.status }
  }

  const byName = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name)

  it('a run with three steps: one trace, a span per step under the run span, the call under its step, the trace id in the log line', async () => {
    providerStatus = 200
    const logs: string[] = []
    const runtime = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'pw-tracing-test' }, logs)
    expect(runtime.tracing).not.toBeNull()
    const { runId, status } = await runOnce(runtime, { email: EMAIL, score: 80 })
    expect(status).toBe('succeeded')
    const spans = await receiver.waitFor((s) => s.some((x) => x.attributes['pipewright.run.id'] === runId && x.name === 'run traced'))
    // The default protocol is OTLP's default: protobuf.
    expect(receiver.contentTypes[0]).toBe('application/x-protobuf')

    const [run] = byName(spans, 'run traced')
    expect(run).toBeDefined()
    expect(run!.traceId).toBe(traceIdOf(runId))
    expect(run!.parentSpanId).toBe('')
    expect(run!.attributes).toMatchObject({
      'pipewright.pipeline.id': 'traced',
      'pipewright.run.id': runId,
      'pipewright.run.outcome': 'succeeded',
    })
    expect(run!.resource['service.name']).toBe('pw-tracing-test')
    expect(run!.resource['service.instance.id']).toBe(runtime.hub.workerId)

    const steps = spans.filter((s) => s.name.startsWith('step '))
    expect(steps.map((s) => s.attributes['pipewright.step.id'])).toEqual(['lead', 'hot', 'deliver'])
    for (const s of steps) {
      expect(s.traceId).toBe(run!.traceId)
      expect(s.parentSpanId).toBe(run!.spanId)
      expect(s.startNs >= run!.startNs && s.endNs <= run!.endNs).toBe(true)
      expect(s.attributes['pipewright.step.outcome']).toBe('succeeded')
      expect(s.attributes['pipewright.step.attempt']).toBe(1)
    }
    expect(steps.map((s) => s.attributes['pipewright.step.kind'])).toEqual(['map', 'filter', 'action'])
    const deliver = steps[2]!
    expect(deliver.attributes['pipewright.step.action']).toBe('http.request')

    const [call] = byName(spans, 'http request')
    expect(call, spans.map((s) => s.name).join(', ')).toBeDefined()
    expect(call!.parentSpanId).toBe(deliver.spanId)
    expect(call!.traceId).toBe(run!.traceId)
    expect(call!.kind).toBe(3)
    expect(call!.attributes).toMatchObject({
      'pipewright.connector': 'http',
      'pipewright.action': 'request',
      'pipewright.call.outcome': 'ok',
    })
    expect(call!.startNs >= deliver.startNs && call!.endNs <= deliver.endNs).toBe(true)

    // Ids and outcomes only: no credential, no payload, no URL.
    const exported = receiver.bodies.join('\n')
    expect(exported).not.toContain(TOKEN)
    expect(exported).not.toContain(EMAIL)
    expect(exported).not.toContain(providerUrl)

    await runtime.close(2000)
    rt = null
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.run_id === runId && l.msg === 'run succeeded')
    expect(line?.trace_id).toBe(run!.traceId)
  })

  it('a dead run over http/json: error status and the error code, never the message', async () => {
    providerStatus = 400
    const runtime = await start({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    })
    const { runId, status } = await runOnce(runtime, { email: EMAIL, score: 99 })
    expect(status).toBe('dead')
    const spans = await receiver.waitFor((s) => s.some((x) => x.name === 'run traced'))
    expect(receiver.contentTypes[0]).toBe('application/json')
    const [run] = byName(spans, 'run traced')
    expect(run!.traceId).toBe(traceIdOf(runId))
    expect(run!.attributes['pipewright.run.outcome']).toBe('dead')
    expect(run!.status.code).toBe(2)
    const [deliver] = byName(spans, 'step deliver')
    expect(deliver!.parentSpanId).toBe(run!.spanId)
    expect(deliver!.attributes['pipewright.step.outcome']).toBe('failed')
    expect(deliver!.status.code).toBe(2)
    expect(typeof deliver!.attributes['error.type']).toBe('string')
    const [call] = byName(spans, 'http request')
    expect(call!.parentSpanId).toBe(deliver!.spanId)
    expect(call!.attributes['http.response.status_code']).toBe(400)
    expect(call!.attributes['pipewright.call.outcome']).toBe('permanent')
    expect(receiver.bodies.join('\n')).not.toContain(TOKEN)
  })

  it('off by default: with the environment unset nothing is exported and the SDK is never loaded', { timeout: 120_000 }, async () => {
    providerStatus = 200
    // Reports, as the process exits, which OpenTelemetry packages it loaded.
    const probe = join(tmp.dir, 'probe.mjs')
    writeFileSync(
      probe,
      [
        "import { createRequire } from 'node:module'",
        "import { writeSync } from 'node:fs'",
        'const cache = createRequire(import.meta.url).cache',
        "process.on('exit', () => {",
        '  const names = Object.keys(cache).flatMap((k) => { const m = /node_modules\\/(@opentelemetry\\/[^/]+)\\//.exec(k); return m ? [m[1]] : [] })',
        "  writeSync(2, '\\nOTEL_LOADED=' + JSON.stringify([...new Set(names)].sort()) + '\\n')",
        '})',
        '',
      ].join('\n'),
    )
    writeFileSync(join(tmp.dir, 'event.json'), JSON.stringify({ email: EMAIL, score: 70 }))
    const cli = (env: Record<string, string>) =>
      runBinary(tmp.dir, ['run', 'traced', '--event', 'event.json'], {
        CRM_URL: providerUrl,
        CRM_TOKEN: TOKEN,
        NODE_OPTIONS: `--import=${pathToFileURL(probe).href}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_TRACES_EXPORTER: '',
        ...env,
      })
    const loaded = (stderr: string) => JSON.parse(/OTEL_LOADED=(.*)/.exec(stderr)?.[1] ?? 'null') as string[] | null
    const sdk = (names: string[] | null) => (names ?? []).filter((n) => n !== '@opentelemetry/api')

    const off = await cli({})
    expect(off.code, off.stdout + off.stderr).toBe(0)
    expect(sdk(loaded(off.stderr))).toEqual([])
    expect(loaded(off.stderr)).not.toBeNull()

    // The probe sees the SDK when tracing is on (so its silence above means something), and a
    // one-shot `run` exports its spans before it exits.
    const on = await cli({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })
    expect(on.code, on.stdout + on.stderr).toBe(0)
    expect(sdk(loaded(on.stderr))).toEqual(
      expect.arrayContaining(['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-proto']),
    )
    expect(sdk(loaded(on.stderr))).not.toContain('@opentelemetry/exporter-trace-otlp-http')
    const spans = await receiver.waitFor((s) => s.some((x) => x.name === 'run traced'))
    expect(spans.filter((s) => s.name.startsWith('step ')).length).toBe(3)
    // Only the second process exported anything.
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1)
  })
})
