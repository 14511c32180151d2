/**
 * OpenTelemetry traces, off unless the standard OTLP environment asks for them. This module only
 * reads the settings and derives trace ids; the SDK and the exporter live in `tracing-sdk.ts`,
 * imported on demand, so a process without tracing never loads them.
 *
 * One trace per run: its id is derived from the run id, so every execution of a run (retries,
 * waits, another worker process) lands in the same trace and a log line can name it without
 * asking the tracer.
 * @module
 */
import { createHash } from 'node:crypto'
import type { HubEvents } from '../engine/events.js'
import { ConfigError, ErrorCodes } from '../errors.js'

export type OtlpProtocol = 'http/protobuf' | 'http/json'

export interface TracingConfig {
  /** Where spans are posted (the full `/v1/traces` URL). */
  url: string
  protocol: OtlpProtocol
  /** Sent with every export (e.g. a collector's API key). Never logged. */
  headers: Record<string, string>
  /** `service.name` and the other resource attributes (`service.version` is added by the SDK side). */
  resource: Record<string, string>
  /** How long one export may take (`OTEL_EXPORTER_OTLP_TIMEOUT`). @defaultValue 10000 */
  timeoutMs: number
  /** How long ended spans wait to be sent together (`OTEL_BSP_SCHEDULE_DELAY`). @defaultValue 5000 */
  scheduleDelayMs: number
}

export interface Tracing {
  /** Where spans go, for banners: protocol and URL without credentials or query. */
  target: string
  /** The trace id a run's spans carry (32 hex characters). */
  traceIdOf(runId: string): string
  /** Export what has ended so far. */
  flush(): Promise<void>
  /** End open spans, export them and stop; waits at most `deadlineMs`. */
  close(deadlineMs?: number): Promise<void>
}

const DEFAULT_ENDPOINT = 'http://localhost:4318'

/**
 * Tracing settings from the standard environment, or null when tracing is off (the default).
 * On with `OTEL_TRACES_EXPORTER=otlp`, or when an OTLP endpoint is set
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`) and the exporter is
 * not `none`; `OTEL_SDK_DISABLED=true` turns it off whatever else is set.
 */
export function tracingConfig(env: Record<string, string | undefined>): TracingConfig | null {
  const v = (k: string) => env[k]?.trim() || undefined
  if (v('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null
  const exporters = (v('OTEL_TRACES_EXPORTER') ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean)
  const tracesEndpoint = v('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  const endpoint = v('OTEL_EXPORTER_OTLP_ENDPOINT')
  if (exporters.includes('none')) return null
  const unknown = exporters.filter((x) => x !== 'otlp')
  if (unknown.length) throw configError('OTEL_TRACES_EXPORTER', `only "otlp" (or "none") is supported, not "${unknown.join(', ')}"`)
  if (!exporters.includes('otlp') && !tracesEndpoint && !endpoint) return null
  // The signal-specific endpoint is used as is; the general one gets the traces path appended.
  const url = tracesEndpoint ?? `${(endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '')}/v1/traces`
  try {
    const u = new URL(url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)')
  } catch {
    throw configError(tracesEndpoint ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT', 'must be an http(s) URL')
  }
  const protocol = v('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? v('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf'
  if (protocol !== 'http/protobuf' && protocol !== 'http/json')
    throw configError('OTEL_EXPORTER_OTLP_PROTOCOL', `"${protocol}" is not supported; use http/protobuf or http/json`)
  const resource: Record<string, string> = { 'service.name': 'pipewright', ...pairs(v('OTEL_RESOURCE_ATTRIBUTES')) }
  const serviceName = v('OTEL_SERVICE_NAME')
  if (serviceName) resource['service.name'] = serviceName
  return {
    url,
    protocol,
    headers: { ...pairs(v('OTEL_EXPORTER_OTLP_HEADERS')), ...pairs(v('OTEL_EXPORTER_OTLP_TRACES_HEADERS')) },
    resource,
    timeoutMs: positive(v('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? v('OTEL_EXPORTER_OTLP_TIMEOUT'), 10_000),
    scheduleDelayMs: positive(v('OTEL_BSP_SCHEDULE_DELAY'), 5000),
  }
}

function positive(text: string | undefined, fallback: number): number {
  const n = Number(text ?? fallback)
  return Number.isFinite(n) && n > 0 ? n : fallback
}

/** `a=1,b=x%20y` (the W3C baggage-like list OTLP settings use) → `{ a: '1', b: 'x y' }`. */
function pairs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (text ?? '').split(',')) {
    const at = part.indexOf('=')
    if (at <= 0) continue
    const key = part.slice(0, at).trim()
    const raw = part.slice(at + 1).trim()
    let value = raw
    try {
      value = decodeURIComponent(raw)
    } catch {
      // a stray % is kept as written
    }
    if (key) out[key] = value
  }
  return out
}

function configError(field: string, message: string): ConfigError {
  return new ConfigError([{ field, message }], ErrorCodes.CONFIG_INVALID)
}

/** The trace id of a run: the first 128 bits of SHA-256 of its id, as 32 hex characters. */
export function traceIdOf(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 32)
}

/** Load the SDK and follow the hub's events. Only called when {@link tracingConfig} said yes. */
export async function createTracing(events: HubEvents, config: TracingConfig, instanceId: string): Promise<Tracing> {
  try {
    const sdk = await import('./tracing-sdk.js')
    return await sdk.startSdkTracing(events, config, instanceId)
  } catch (e) {
    // The SDK packages are optional dependencies: installed by default, absent with --omit=optional.
    const code = (e as { code?: string }).code
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e
    throw new ConfigError(
      [
        {
          field: 'OTEL_EXPORTER_OTLP_ENDPOINT',
          message: `tracing is on but the OpenTelemetry SDK is not installed (${(e as Error).message.split('\n')[0]}); install pipewright's optional dependencies (npm install without --omit=optional), or unset the OTEL_ variables`,
        },
      ],
      ErrorCodes.CONFIG_INVALID,
    )
  }
}
