/**
 * The OpenTelemetry SDK side of tracing: spans built from the hub's events, exported over OTLP
 * HTTP. Imported only when tracing is on (see `tracing.ts`), so nothing here is loaded otherwise.
 *
 * Spans are made from events after the fact, with their real start times: a span per execution
 * of a run, a child span per step executed, and under each step a span per connector call. The
 * engine needs no hook of its own. Attributes carry ids, kinds and outcomes, never payloads,
 * URLs, headers or error messages (an error adds only its code as `error.type`).
 * @module
 */
import { type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import type { GatewayEvent } from '../connectors/gateway/events.js'
import type { HubEvents } from '../engine/events.js'
import type { RunRecord, SerializedError } from '../types.js'
import { VERSION } from '../version.js'
import { type Tracing, type TracingConfig, traceIdOf } from './tracing.js'

// What we use of the SDK packages, typed here rather than imported: they are optional
// dependencies, so neither this file nor the project's type check may need them installed.
// tests/tracing.test.ts runs this code against the real packages.
interface IdGenerator {
  generateTraceId(): string
  generateSpanId(): string
}
interface Resource {
  merge(other: Resource): Resource
}
interface SdkTraceBase {
  BasicTracerProvider: new (config: {
    resource: Resource
    idGenerator: IdGenerator
    spanProcessors: unknown[]
  }) => { getTracer(name: string): Tracer; forceFlush(): Promise<void>; shutdown(): Promise<void> }
  BatchSpanProcessor: new (exporter: unknown, config: { scheduledDelayMillis: number }) => unknown
  RandomIdGenerator: new () => IdGenerator
}
interface SdkResources {
  defaultResource(): Resource
  resourceFromAttributes(attributes: Attributes): Resource
}
interface OtlpTraceExporters {
  OTLPTraceExporter: new (config: { url: string; headers: Record<string, string>; timeoutMillis: number }) => unknown
}

/** Import an optional package by name (typed by the caller). */
const optional = <T>(name: string): Promise<T> => import(name)

/** Hands the tracer a chosen trace id for the next root span, else random ones. */
class RunTraceIds implements IdGenerator {
  constructor(readonly random: IdGenerator) {}
  next: string | null = null
  generateTraceId(): string {
    const id = this.next ?? this.random.generateTraceId()
    this.next = null
    return id
  }
  generateSpanId(): string {
    return this.random.generateSpanId()
  }
}

interface Call {
  start: number
  end: number
  name: string
  attributes: Attributes
  failed: string | null
}

interface OpenRun {
  span: Span
  context: Context
  /** Connector calls waiting for their step's span (they end before it does). */
  calls: Map<string, Call[]>
}

const now = () => performance.timeOrigin + performance.now()

/** Executions followed at once; far above any worker's concurrency. */
const MAX_OPEN_RUNS = 10_000

export async function startSdkTracing(events: HubEvents, config: TracingConfig, instanceId: string): Promise<Tracing> {
  const [
    { BasicTracerProvider, BatchSpanProcessor, RandomIdGenerator },
    { defaultResource, resourceFromAttributes },
    { OTLPTraceExporter },
  ] = await Promise.all([
    optional<SdkTraceBase>('@opentelemetry/sdk-trace-base'),
    optional<SdkResources>('@opentelemetry/resources'),
    optional<OtlpTraceExporters>(
      config.protocol === 'http/json' ? '@opentelemetry/exporter-trace-otlp-http' : '@opentelemetry/exporter-trace-otlp-proto',
    ),
  ])
  const exporter = new OTLPTraceExporter({ url: config.url, headers: config.headers, timeoutMillis: config.timeoutMs })
  const ids = new RunTraceIds(new RandomIdGenerator())
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ 'service.version': VERSION, 'service.instance.id': instanceId, ...config.resource }),
    ),
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.scheduleDelayMs })],
  })
  const tracer = provider.getTracer('pipewright')
  const runs = new Map<string, OpenRun>()

  function rootSpan(name: string, traceId: string, attributes: Attributes, startTime: number, kind = SpanKind.INTERNAL): Span {
    ids.next = traceId
    try {
      return tracer.startSpan(name, { kind, attributes, startTime, root: true }, ROOT_CONTEXT)
    } finally {
      ids.next = null
    }
  }

  function startRun(run: RunRecord, at: number): OpenRun {
    const span = rootSpan(`run ${run.pipelineId}`, traceIdOf(run.id), runAttributes(run), at)
    const open = { span, context: trace.setSpan(ROOT_CONTEXT, span), calls: new Map() }
    runs.set(run.id, open)
    return open
  }

  function endRun(runId: string, outcome: string, extra: Attributes = {}, error?: SerializedError | null) {
    const open = runs.get(runId)
    if (!open) return
    runs.delete(runId)
    // Calls whose step never reported (the execution was cut short) still go out, under the run.
    for (const calls of open.calls.values()) for (const c of calls) emitCall(c, open.context)
    open.span.setAttributes({ 'pipewright.run.outcome': outcome, ...extra })
    if (error) failSpan(open.span, error)
    else if (outcome === 'dead') open.span.setStatus({ code: SpanStatusCode.ERROR })
    open.span.end(now())
  }

  /**
   * A call's span, inside `within` when given (its step's time): step and call durations are
   * measured apart and may disagree by a fraction of a millisecond, and a child span must not
   * start before or end after its parent.
   */
  function emitCall(c: Call, parent: Context, within?: { start: number; end: number }) {
    const start = within ? Math.min(Math.max(c.start, within.start), within.end) : c.start
    const end = within ? Math.max(Math.min(c.end, within.end), start) : c.end
    const span = tracer.startSpan(c.name, { kind: SpanKind.CLIENT, attributes: c.attributes, startTime: start }, parent)
    if (c.failed) span.setStatus({ code: SpanStatusCode.ERROR, message: c.failed })
    span.end(end)
  }

  const offs = [
    events.on('run:start', ({ run }) => {
      // An execution that lost its lease ends without an event; its span closes here, or when
      // the oldest open spans are let go so that such losses cannot pile up.
      endRun(run.id, 'abandoned')
      for (const id of runs.keys()) {
        if (runs.size < MAX_OPEN_RUNS) break
        endRun(id, 'abandoned')
      }
      startRun(run, now())
    }),
    events.on('step:end', (e) => {
      const end = now()
      const open = runs.get(e.run.id) ?? startRun(e.run, end - e.durationMs)
      const attributes: Attributes = {
        'pipewright.pipeline.id': e.run.pipelineId,
        'pipewright.run.id': e.run.id,
        'pipewright.step.id': e.stepId,
        'pipewright.step.kind': e.kind,
        'pipewright.step.attempt': e.attempt,
        'pipewright.step.outcome': e.status,
      }
      if (e.action) attributes['pipewright.step.action'] = e.action
      const span = tracer.startSpan(`step ${e.stepId}`, { attributes, startTime: end - e.durationMs }, open.context)
      if (e.error) failSpan(span, e.error)
      const calls = open.calls.get(e.stepId)
      if (calls) {
        open.calls.delete(e.stepId)
        const parent = trace.setSpan(ROOT_CONTEXT, span)
        for (const c of calls) emitCall(c, parent, { start: end - e.durationMs, end })
      }
      span.end(end)
    }),
    events.on('run:end', ({ run, status }) => endRun(run.id, status)),
    events.on('run:waiting', ({ run, reason, stepId, error }) =>
      endRun(run.id, 'waiting', { 'pipewright.run.wait_reason': reason, ...(stepId ? { 'pipewright.step.id': stepId } : {}) }, error),
    ),
    events.on('connector:call', (e) => {
      const end = now()
      const p = e as unknown as Extract<GatewayEvent, { type: 'connector:call' }>
      const attributes: Attributes = {
        'pipewright.connector': p.connector,
        'pipewright.connection': p.connection,
        'pipewright.action': p.action,
        'pipewright.call.outcome': p.status,
        'pipewright.call.attempt': p.attempt,
      }
      if (p.httpStatus) attributes['http.response.status_code'] = p.httpStatus
      const failed = p.error ? errorType(p.error) : null
      if (failed) attributes['error.type'] = failed
      const call: Call = { start: end - p.durationMs, end, name: `${p.connector} ${p.action}`, attributes, failed }
      const open = runs.get(p.runId)
      if (!open) {
        // Outside a run (a sync reading a side): a trace of its own.
        const span = rootSpan(call.name, ids.random.generateTraceId(), attributes, call.start, SpanKind.CLIENT)
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: failed })
        span.end(end)
        return
      }
      // A code step's calls are `<step>#<n>`: they belong to the step.
      const step = p.stepId.replace(/#\d+$/, '')
      const list = open.calls.get(step)
      if (list) list.push(call)
      else open.calls.set(step, [call])
    }),
  ]

  const shown = new URL(config.url)
  return {
    target: `${shown.origin}${shown.pathname} (OTLP ${config.protocol})`,
    traceIdOf,
    flush: () => provider.forceFlush(),
    async close(deadlineMs = 3000) {
      for (const off of offs) off()
      for (const id of [...runs.keys()]) endRun(id, 'interrupted')
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, deadlineMs)
        }),
      ])
      clearTimeout(timer)
    },
  }
}

function runAttributes(run: RunRecord): Attributes {
  const a: Attributes = {
    'pipewright.pipeline.id': run.pipelineId,
    'pipewright.pipeline.version': run.pipelineVersion,
    'pipewright.run.id': run.id,
    'pipewright.run.attempt': run.attempt,
    'pipewright.event.id': run.eventId,
  }
  if (run.replayOf) a['pipewright.run.replay_of'] = run.replayOf
  return a
}

/** The error's code (or name): stable, and free of the provider's words and of any value. */
function errorType(error: SerializedError): string {
  return error.code ?? error.name ?? 'Error'
}

function failSpan(span: Span, error: SerializedError) {
  const type = errorType(error)
  span.setAttribute('error.type', type)
  span.setStatus({ code: SpanStatusCode.ERROR, message: type })
}
