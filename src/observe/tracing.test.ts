import { describe, expect, it } from 'vitest'
import { traceIdOf, tracingConfig } from './tracing.js'

describe('tracingConfig', () => {
  it('is off unless the OTLP environment asks', () => {
    expect(tracingConfig({})).toBeNull()
    expect(tracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBeNull()
    expect(tracingConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBeNull()
    expect(tracingConfig({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeNull()
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeNull()
  })

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, 'http://localhost:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'http://collector:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example/base' }, 'https://otlp.example/base/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }, 'http://c:4318/custom'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:2/t' }, 'http://b:2/t'],
  ])('%j posts to %s', (env, url) => {
    expect(tracingConfig(env)?.url).toBe(url)
  })

  it('reads protocol, headers, resource, timeout and batch delay', () => {
    const c = tracingConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D,x-team = ops',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=def',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=ignored',
      OTEL_SERVICE_NAME: 'hub-eu',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
    })
    expect(c).toEqual({
      url: 'http://c:4318/v1/traces',
      protocol: 'http/json',
      headers: { 'x-api-key': 'def', 'x-team': 'ops' },
      resource: { 'service.name': 'hub-eu', 'deployment.environment': 'prod' },
      timeoutMs: 2500,
      scheduleDelayMs: 5000,
    })
    expect(tracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' })?.protocol).toBe('http/protobuf')
  })

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER.*"otlp"/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL.*grpc/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/],
  ])('%j is refused', (env, message) => {
    expect(() => tracingConfig(env)).toThrow(message)
  })
})

describe('traceIdOf', () => {
  it('is 32 hex characters, the same for a run wherever it executes', () => {
    expect(traceIdOf('run_01')).toMatch(/^[0-9a-f]{32}$/)
    expect(traceIdOf('run_01')).toBe(traceIdOf('run_01'))
    expect(traceIdOf('run_01')).not.toBe(traceIdOf('run_02'))
  })
})
