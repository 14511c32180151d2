/**
 * Ingress fuzz: correctly signed webhook requests for seven auth schemes, each mutated one to
 * three times (body bytes, signature, timestamp, id, credentials, content type, method, path,
 * headers), sent over real HTTP to a running server. Two oracles, independent of the code under
 * test: a request whose signed parts (body when the scheme signs it, signature, credential,
 * timestamp, message id) were changed must not be accepted (a forgery), and no answer may be 5xx.
 * Seeded: a failure names the seed and request number, and the same run reproduces it.
 * Used by tests/ingress-fuzz.test.ts (10,000 requests) and `npm run fuzz` (1,000,000).
 * @module
 */
import { Agent, request } from 'node:http'
import { webhook } from '../../src/pipeline/define.js'
import type { WebhookAuth } from '../../src/pipeline/types.js'
import { createServer } from '../../src/server/app.js'
import { signUrlSecret, signWebhookRequest } from '../../src/triggers/auth/index.js'
import { compile, sqliteStore, startHub, tempDir } from '../helpers/engine.js'

const WHSEC = `whsec_${Buffer.from('fuzz-standard-webhooks-key-01').toString('base64')}`
export const SCHEMES: Record<string, { auth: WebhookAuth; signsBody: boolean }> = {
  hmac: { auth: { scheme: 'hmac-sha256', header: 'x-hub-signature-256', prefix: 'sha256=', secret: 'fuzz-hmac-secret' }, signsBody: true },
  stdwh: { auth: { scheme: 'standard-webhooks', secret: WHSEC }, signsBody: true },
  slack: { auth: { scheme: 'slack', secret: 'fuzz-slack-signing' }, signsBody: true },
  bearer: { auth: { scheme: 'bearer', token: 'fuzz-bearer-token-0001' }, signsBody: false },
  header: { auth: { header: 'x-webhook-secret', secret: 'fuzz-header-secret-01' }, signsBody: false },
  basic: { auth: { scheme: 'basic', username: 'zap', password: 'fuzz-basic-pass-01' }, signsBody: false },
  url: { auth: { scheme: 'url-secret', secret: 'fuzz-url-secret-0001' }, signsBody: false },
}
const NAMES = Object.keys(SCHEMES)
/** Headers that carry a scheme's credential or signed parts. */
const SIGNED_HEADERS = [
  'x-hub-signature-256',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'authorization',
  'x-webhook-secret',
]

const HEX_HEADERS = new Set(['x-hub-signature-256', 'x-slack-signature'])

/** mulberry32: a small seeded generator, so a failing request can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! }
}

interface Req {
  method: string
  path: string
  headers: Record<string, string>
  body: Buffer
  /** What the mutations changed that the scheme's authentication covers. */
  signedChange: string | null
  mutations: string[]
}

const JUNK: Buffer[] = [
  Buffer.from(''),
  Buffer.from('['.repeat(5000)),
  Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
  Buffer.from(`{"n":1e999999,"s":"${'\\u0000'.repeat(10)}"}`),
  Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28]),
  Buffer.from('a=1&a[b]=2&__proto__[x]=1'),
  Buffer.from('null'),
  Buffer.from('"just a string"'),
  Buffer.from(`{"big":"${'x'.repeat(200_000)}"}`),
]
const TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
  'application/xml',
  'text/csv',
  ';;;',
  '',
]

function flipChar(s: string, r: ReturnType<typeof prng>): string {
  if (s.length === 0) return 'x'
  const i = r.int(s.length)
  // A different character even for case-insensitive readers (hex): '0', or '1' where it was '0'.
  const replacement = s[i] === '0' ? '1' : '0'
  return s.slice(0, i) + replacement + s.slice(i + 1)
}

/** A correctly signed request for `scheme`, then 1–3 mutations. */
export function makeRequest(r: ReturnType<typeof prng>, n: number, now: number): Req {
  const scheme = r.pick(NAMES)
  const { auth, signsBody } = SCHEMES[scheme]!
  const body = Buffer.from(JSON.stringify({ email: `lead${n}@acme.com`, n, tags: ['a', 'b'], nested: { score: n % 100 } }))
  let path = `/hooks/${scheme}`
  if (auth.scheme === 'url-secret') path = signUrlSecret(path, auth.secret as string)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...signWebhookRequest(auth, { body, url: path, id: `msg_fuzz_${n}` }, now),
  }
  const req: Req = { method: 'POST', path, headers: { ...headers }, body, signedChange: null, mutations: [] }
  const count = 1 + r.int(3)
  for (let k = 0; k < count; k++) mutate(req, r, scheme)
  req.signedChange = signedChange({ body, headers, path }, req, signsBody)
  return req
}

/** What differs, between the signed original and the request sent, that authentication covers. */
function signedChange(orig: { body: Buffer; headers: Record<string, string>; path: string }, req: Req, signsBody: boolean): string | null {
  if (signsBody && !orig.body.equals(req.body)) return 'body'
  // The scheme word of Authorization (`Bearer`, `Basic`) is read in any case; the credential is not.
  const scheme = (v: string | undefined) => v?.replace(/^\S+/, (m) => m.toLowerCase())
  for (const h of SIGNED_HEADERS) {
    const a = h === 'authorization' ? scheme(orig.headers[h]) : orig.headers[h]
    const b = h === 'authorization' ? scheme(req.headers[h]) : req.headers[h]
    // Hex digests (and their `sha256=` / `v0=` prefixes) read the same in either case.
    if (HEX_HEADERS.has(h) ? a?.toLowerCase() !== b?.toLowerCase() : a !== b) return h
  }
  const secret = (p: string) => new URLSearchParams(p.split('?')[1] ?? '').getAll('secret').join('&')
  return secret(orig.path) === secret(req.path) ? null : 'url secret'
}

/** One mutation; which of them touch signed parts is worked out afterwards (signedChange). */
function mutate(req: Req, r: ReturnType<typeof prng>, scheme: string): void {
  const bodyChanged = (what: string, next: Buffer) => {
    if (next.equals(req.body)) return
    req.body = next
    req.mutations.push(what)
  }
  switch (r.int(12)) {
    case 0: {
      if (req.body.length === 0) {
        bodyChanged('body: byte added', Buffer.from('x'))
        return
      }
      const b = Buffer.from(req.body)
      const i = r.int(b.length)
      b[i] = b[i]! ^ (1 << r.int(8))
      bodyChanged(`body: bit flipped at ${i}`, b)
      return
    }
    case 1: {
      const i = r.int(req.body.length + 1)
      const extra = Buffer.from([r.int(256), r.int(256)])
      bodyChanged(`body: bytes inserted at ${i}`, Buffer.concat([req.body.subarray(0, i), extra, req.body.subarray(i)]))
      return
    }
    case 2: {
      const i = r.int(req.body.length + 1)
      bodyChanged(`body: truncated at ${i}`, req.body.subarray(0, i))
      return
    }
    case 3:
      bodyChanged('body: replaced by junk', r.pick(JUNK))
      return
    case 4: {
      // The credential or signature itself.
      const present = SIGNED_HEADERS.filter(
        (h) => req.headers[h] !== undefined && !['webhook-id', 'webhook-timestamp', 'x-slack-request-timestamp'].includes(h),
      )
      if (scheme === 'url' || present.length === 0) {
        req.path = req.path.replace(/secret=([^&]*)/, (_, v: string) => `secret=${encodeURIComponent(flipChar(decodeURIComponent(v), r))}`)
        req.mutations.push('url secret changed')
        return
      }
      const h = r.pick(present)
      const how = r.int(4)
      const v = req.headers[h]!
      if (how === 0) delete req.headers[h]
      else if (how === 1) req.headers[h] = flipChar(v, r)
      else if (how === 2) req.headers[h] = v.slice(0, r.int(v.length))
      else req.headers[h] = v.toUpperCase() === v ? v.toLowerCase() : v.toUpperCase()
      if (req.headers[h] === v) return
      req.mutations.push(`header ${h}: ${['removed', 'char changed', 'truncated', 'case changed'][how]}`)
      return
    }
    case 5: {
      const ts = ['webhook-timestamp', 'x-slack-request-timestamp'].find((h) => req.headers[h] !== undefined)
      if (!ts) return
      const shift = (r.int(2) === 0 ? -1 : 1) * (301 + r.int(3600))
      req.headers[ts] = String(Number(req.headers[ts]) + shift)
      req.mutations.push(`${ts} shifted ${shift} s`)
      return
    }
    case 6: {
      if (req.headers['webhook-id'] === undefined) return
      req.headers['webhook-id'] = `${req.headers['webhook-id']}x`
      req.mutations.push('webhook-id changed')
      return
    }
    case 7: {
      const t = r.pick(TYPES)
      if (t === '') delete req.headers['content-type']
      else req.headers['content-type'] = t
      req.mutations.push(`content-type ${JSON.stringify(t)}`)
      return
    }
    case 8:
      req.method = r.pick(['PUT', 'PATCH', 'GET', 'DELETE', 'OPTIONS'])
      req.mutations.push(`method ${req.method}`)
      return
    case 9: {
      const how = r.int(3)
      if (how === 0) req.path = req.path.includes('?') ? `${req.path}&x=1` : `${req.path}?x=1`
      else if (how === 1) req.path = req.path.replace(/^\/hooks\/[a-z]+/, (m) => m.toUpperCase())
      else req.path = req.path.replace(/^\/hooks\/[a-z]+/, (m) => `${m}/`)
      req.mutations.push(`path ${req.path}`)
      return
    }
    case 10:
      req.headers[`x-fuzz-${r.int(100)}`] = 'v'.repeat(r.int(2) === 0 ? 10 : 6000)
      req.mutations.push('extra header')
      return
    default:
      req.headers['content-encoding'] = r.pick(['gzip', 'br', 'deflate', 'identity, gzip'])
      req.mutations.push(`content-encoding ${req.headers['content-encoding']}`)
  }
}

export interface FuzzReport {
  requests: number
  accepted: number
  rejected: Record<string, number>
  forgeries: Array<{ n: number; mutations: string[]; status: number }>
  serverErrors: Array<{ n: number; mutations: string[]; status: number; body: string }>
  ms: number
}

function send(agent: Agent, base: URL, req: Req): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers, 'content-length': String(req.body.length) }
    const c = request({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
      res.on('error', reject)
    })
    // The server may answer (413, 415) and close before the whole body is written.
    c.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? resolve({ status: 0, body: e.code }) : reject(e),
    )
    c.end(req.body)
  })
}

/** Run `count` mutated requests against a fresh hub; returns what happened. */
export async function fuzzIngress(count: number, seed: number, parallel = 8, onProgress?: (done: number) => void): Promise<FuzzReport> {
  const tmp = tempDir('pw-fuzz-')
  const store = sqliteStore(tmp.dir)
  const pipelines = NAMES.map((name) =>
    compile({ id: name, trigger: webhook({ path: name, auth: SCHEMES[name]!.auth }), steps: [{ id: 'seen', map: () => true }] }),
  )
  const hub = await startHub({ pipelines, store, worker: false, maxQueuedRuns: Number.MAX_SAFE_INTEGER })
  const server = await createServer(hub, { port: 0 })
  const base = new URL(await server.listen())
  const agent = new Agent({ keepAlive: true, maxSockets: parallel })
  const r = prng(seed)
  const report: FuzzReport = { requests: 0, accepted: 0, rejected: {}, forgeries: [], serverErrors: [], ms: 0 }
  const started = Date.now()
  let next = 0
  const worker = async () => {
    while (next < count) {
      const n = next++
      const req = makeRequest(r, n, Date.now())
      const res = await send(agent, base, req)
      report.requests++
      if (res.status >= 500) report.serverErrors.push({ n, mutations: req.mutations, status: res.status, body: res.body.slice(0, 300) })
      if (res.status >= 200 && res.status < 300) {
        report.accepted++
        if (req.signedChange) report.forgeries.push({ n, mutations: req.mutations, status: res.status })
      } else report.rejected[res.status] = (report.rejected[res.status] ?? 0) + 1
      if (onProgress && report.requests % 10_000 === 0) onProgress(report.requests)
    }
  }
  try {
    await Promise.all(Array.from({ length: parallel }, worker))
  } finally {
    report.ms = Date.now() - started
    agent.destroy()
    await server.close()
    await hub.close({ deadlineMs: 1000 })
    tmp.cleanup()
  }
  return report
}
