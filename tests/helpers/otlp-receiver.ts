/**
 * A small OTLP/HTTP trace receiver on loopback for tests: takes `POST /v1/traces` as protobuf or
 * JSON, decodes the spans itself (a few lines of protobuf wire format, no library) and keeps them.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

export type AttrValue = string | number | boolean | null

export interface ReceivedSpan {
  traceId: string
  spanId: string
  /** '' for a root span. */
  parentSpanId: string
  name: string
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number
  startNs: bigint
  endNs: bigint
  attributes: Record<string, AttrValue>
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string }
  resource: Record<string, AttrValue>
}

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string
  spans: ReceivedSpan[]
  /** Raw request bodies as text (protobuf keeps its strings readable), to search for leaks. */
  bodies: string[]
  contentTypes: string[]
  /** Resolves once `predicate` holds over the spans received so far. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>
  close(): Promise<void>
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const bodies: string[] = []
  const contentTypes: string[] = []
  const waiters = new Set<() => void>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end()
        return
      }
      let body = Buffer.concat(chunks)
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      const type = String(req.headers['content-type'] ?? '')
      contentTypes.push(type)
      bodies.push(body.toString('latin1'))
      const json = type.includes('json')
      spans.push(...(json ? decodeJson(JSON.parse(body.toString('utf8'))) : decodeProtobuf(body)))
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
      res.end(json ? '{}' : undefined)
      for (const w of waiters) w()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    contentTypes,
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return
          cleanup()
          resolve(spans)
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(
            new Error(
              `OTLP receiver: condition not met within ${timeoutMs} ms; ${spans.length} spans: ${spans.map((s) => s.name).join(', ')}`,
            ),
          )
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

// ---- OTLP JSON ----

interface JsonKeyValue {
  key: string
  value?: Record<string, unknown>
}

function jsonAttrs(list: JsonKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {}
  for (const kv of list ?? []) {
    const v = kv.value ?? {}
    if ('stringValue' in v) out[kv.key] = String(v.stringValue)
    else if ('intValue' in v) out[kv.key] = Number(v.intValue)
    else if ('doubleValue' in v) out[kv.key] = Number(v.doubleValue)
    else if ('boolValue' in v) out[kv.key] = Boolean(v.boolValue)
    else out[kv.key] = null
  }
  return out
}

function decodeJson(body: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = []
  for (const rs of body.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: jsonAttrs(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource: jsonAttrs(rs.resource?.attributes),
        })
  return out
}

// ---- OTLP protobuf (opentelemetry/proto/collector/trace/v1) ----

type Field = { n: number; wire: number; int: bigint; bytes: Buffer }

function fields(buf: Buffer): Field[] {
  const out: Field[] = []
  let at = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = buf[at++]!
      result |= BigInt(b & 0x7f) << shift
      if (b < 0x80) return result
      shift += 7n
    }
  }
  while (at < buf.length) {
    const key = Number(varint())
    const n = key >>> 3
    const wire = key & 7
    if (wire === 0) out.push({ n, wire, int: varint(), bytes: Buffer.alloc(0) })
    else if (wire === 1) {
      out.push({ n, wire, int: buf.readBigUInt64LE(at), bytes: buf.subarray(at, at + 8) })
      at += 8
    } else if (wire === 2) {
      const len = Number(varint())
      out.push({ n, wire, int: 0n, bytes: buf.subarray(at, at + len) })
      at += len
    } else if (wire === 5) {
      out.push({ n, wire, int: BigInt(buf.readUInt32LE(at)), bytes: buf.subarray(at, at + 4) })
      at += 4
    } else throw new Error(`protobuf wire type ${wire} not handled`)
  }
  return out
}

const all = (fs: Field[], n: number) => fs.filter((f) => f.n === n)
const one = (fs: Field[], n: number) => fs.find((f) => f.n === n)

function pbAttrs(fs: Field[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {}
  for (const kv of fs) {
    const parts = fields(kv.bytes)
    const key = one(parts, 1)?.bytes.toString('utf8') ?? ''
    const value = fields(one(parts, 2)?.bytes ?? Buffer.alloc(0))
    const s = one(value, 1)
    const b = one(value, 2)
    const i = one(value, 3)
    const d = one(value, 4)
    out[key] = s ? s.bytes.toString('utf8') : b ? b.int !== 0n : i ? Number(BigInt.asIntN(64, i.int)) : d ? d.bytes.readDoubleLE(0) : null
  }
  return out
}

function decodeProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = []
  for (const rs of all(fields(body), 1)) {
    const rsf = fields(rs.bytes)
    const resource = pbAttrs(all(fields(one(rsf, 1)?.bytes ?? Buffer.alloc(0)), 1))
    for (const ss of all(rsf, 2))
      for (const sp of all(fields(ss.bytes), 2)) {
        const f = fields(sp.bytes)
        const status = fields(one(f, 15)?.bytes ?? Buffer.alloc(0))
        out.push({
          traceId: one(f, 1)?.bytes.toString('hex') ?? '',
          spanId: one(f, 2)?.bytes.toString('hex') ?? '',
          parentSpanId: one(f, 4)?.bytes.toString('hex') ?? '',
          name: one(f, 5)?.bytes.toString('utf8') ?? '',
          kind: Number(one(f, 6)?.int ?? 0n),
          startNs: one(f, 7)?.int ?? 0n,
          endNs: one(f, 8)?.int ?? 0n,
          attributes: pbAttrs(all(f, 9)),
          status: { code: Number(one(status, 3)?.int ?? 0n), message: one(status, 2)?.bytes.toString('utf8') ?? '' },
          resource,
        })
      }
  }
  return out
}
