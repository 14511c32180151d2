// Shared helpers for benchmarks: a counting sink, child servers, autocannon in its own process.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export async function startSink() {
  let count = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      count++
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    count: () => count,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(r)
      }),
  }
}

/** Spawn a node script or the pipewright CLI; resolves with its URL once it says "listening on". */
export function spawnServer(args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PIPEWRIGHT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const spawnedAt = performance.now()
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000)
    const check = () => {
      const m = /listening on (http:\/\/[^\s,]+)/.exec(out)
      if (!m) return
      clearTimeout(t)
      child.stdout.off('data', check)
      resolve({
        url: m[1],
        child,
        spawnedAt,
        listeningMs: performance.now() - spawnedAt,
        stop: () =>
          new Promise((r) => {
            if (child.exitCode !== null) return r()
            child.once('exit', r)
            child.kill('SIGTERM')
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref()
          }),
      })
    }
    child.stdout.on('data', check)
    child.once('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)))
  })
}

/** Run autocannon in its own process; `bodyFile` for bodies too large for argv. Returns its JSON result. */
export function autocannon({ url, connections = 50, duration = 10, amount, body, bodyFile, headers = {}, method = 'POST' }) {
  const args = [
    join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'),
    '-j',
    '-c',
    String(connections),
    '-m',
    method,
    '-H',
    'content-type=application/json',
  ]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`)
  if (amount) args.push('-a', String(amount))
  else args.push('-d', String(duration))
  if (body !== undefined) args.push('-b', body)
  if (bodyFile !== undefined) args.push('-i', bodyFile)
  args.push(url)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve, reject) =>
    child.once('exit', () => {
      try {
        resolve(JSON.parse(out))
      } catch {
        reject(new Error(`autocannon failed: ${err}`))
      }
    }),
  )
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export const fmt = (n, d = 0) => Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

/**
 * CPU time (µs) a process has used so far: its main thread (the event loop) and all its threads.
 * Linux /proc; clock ticks are 10 ms (USER_HZ 100). Null elsewhere.
 */
export function cpuUs(pid) {
  const ticks = (path) => {
    const stat = readFileSync(path, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * 10_000 // utime + stime
  }
  try {
    return { main: ticks(`/proc/${pid}/task/${pid}/stat`), all: ticks(`/proc/${pid}/stat`) }
  } catch {
    return null
  }
}

/** Resident set size of a process in MB (Linux /proc; NaN elsewhere). */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

/** POST `body` until the answer is `status` (a fresh connection each time); resolves with performance.now() then. */
export async function firstAnswer(url, body, status = 202, headers = {}) {
  const once = () =>
    new Promise((resolve) => {
      const r = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume()
        res.once('end', () => resolve(res.statusCode))
      })
      r.once('error', () => resolve(0))
      r.end(body)
    })
  for (;;) {
    if ((await once()) === status) return performance.now()
    await new Promise((r) => setTimeout(r, 2))
  }
}
