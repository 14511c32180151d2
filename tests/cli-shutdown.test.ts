/**
 * `pipewright start` stops within a bound when Redis or Postgres is down, and says what to do
 * when its port is taken or another `start` already serves the same SQLite database.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { createRuntime } from '../src/runtime.js'
import { createPostgresStore } from '../src/store/postgres/index.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'
import { type Spawned, spawnPipewright } from './helpers/process.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

/** Generous for a loaded 2-core machine; the process itself aims for a few seconds. */
const BOUND_MS = 20_000

let tmp: ReturnType<typeof tempDir>
let cleanups: Array<() => Promise<unknown>> = []
beforeEach(() => {
  tmp = tempDir('pw-shutdown-')
  mkdirSync(join(tmp.dir, 'pipelines'))
  writeFileSync(join(tmp.dir, 'pipelines', 'p.yaml'), 'id: p\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    map: { x: 1 }\n')
  cleanups = []
})
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined)
  tmp.cleanup()
})

async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

/** SIGTERM, then how long until the process has exited (and with which code). */
async function stopTimed(p: Spawned): Promise<{ ms: number; code: number | null }> {
  const t0 = Date.now()
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)))
  p.child.kill('SIGTERM')
  const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), BOUND_MS * 2))])
  if (code === 'late') {
    p.child.kill('SIGKILL')
    throw new Error(`still running ${BOUND_MS * 2} ms after SIGTERM:\n${p.output()}`)
  }
  return { ms: Date.now() - t0, code }
}

async function start(env: Record<string, string>): Promise<Spawned> {
  const p = await spawnPipewright(['start', '--port', '0'], { PIPEWRIGHT_DATABASE_URL: 'sqlite:pw.db', ...env }, tmp.dir, 60_000)
  cleanups.push(() => p.kill('SIGKILL'))
  return p
}

describe('bounded shutdown', () => {
  it('SIGTERM stops `start` promptly when Redis was unreachable from the beginning', { timeout: 120_000 }, async () => {
    const p = await start({ PIPEWRIGHT_REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, PIPEWRIGHT_REDIS_PREFIX: 'pw-i24-down' })
    const { ms, code } = await stopTimed(p)
    console.log(`exit after SIGTERM, Redis unreachable: ${ms} ms`)
    expect(code).toBe(0)
    expect(ms).toBeLessThan(BOUND_MS)
  })

  it('SIGTERM stops `start` promptly when Redis goes down while it runs', { timeout: 120_000 }, async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 })
    cleanups.push(() => proxy.close())
    const p = await start({ PIPEWRIGHT_REDIS_URL: `redis://127.0.0.1:${proxy.port}`, PIPEWRIGHT_REDIS_PREFIX: `pw-i24-${process.pid}` })
    const res = await fetch(`${p.url}/api/v1/pipelines/p/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'a\n1\n2\n',
    })
    expect(await res.json()).toMatchObject({ accepted: 2 })
    await proxy.cut()
    const { ms, code } = await stopTimed(p)
    console.log(`exit after SIGTERM, Redis cut: ${ms} ms`)
    expect(code).toBe(0)
    expect(ms).toBeLessThan(BOUND_MS)
  })

  it('closing a runtime whose Postgres went down returns within the bound', { timeout: 120_000 }, async () => {
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 })
    cleanups.push(() => proxy.close())
    const schema = `pw_i24_shutdown_${process.pid}`
    let url = `postgres://postgres@127.0.0.1:${proxy.port}/test`
    const probe = createPostgresStore({ connectionString: url, schema })
    try {
      await probe.migrate()
    } catch {
      url = `postgres://root@127.0.0.1:${proxy.port}/test`
    } finally {
      await probe.close()
    }
    const store = createPostgresStore({ connectionString: url, schema, connectTimeoutMs: 2000 })
    const runtime = await createRuntime({ cwd: tmp.dir, env: {}, store, logLevel: 'silent', observe: true })
    await runtime.hub.ingest('p', [{ payload: {} }], { trigger: 'manual' })
    await proxy.cut()
    const t0 = Date.now()
    await runtime.close(2000)
    const ms = Date.now() - t0
    console.log(`runtime.close with Postgres cut: ${ms} ms`)
    expect(ms).toBeLessThan(BOUND_MS)
  })
})

describe('start-up conflicts say what to do', () => {
  it('a port already in use: names it and how to choose another', async () => {
    const held = createServer()
    await new Promise<void>((r) => held.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => held.close(r)))
    const port = (held.address() as AddressInfo).port
    const io = recordingIo(tmp.dir)
    expect(await main(['start', '--port', String(port), '--db', 'sqlite:pw.db'], io)).toBe(1)
    const text = io.stderr.join('\n')
    expect(text).toContain(`port ${port} on 127.0.0.1 is already in use`)
    expect(text).toMatch(/--port .*PIPEWRIGHT_PORT/)
  })

  it('a second `start` on the same SQLite database is refused with the first one named', { timeout: 120_000 }, async () => {
    const first = await start({})
    const io = recordingIo(tmp.dir)
    expect(await main(['start', '--port', '0', '--db', 'sqlite:pw.db'], io)).toBe(1)
    const text = io.stderr.join('\n')
    expect(text).toContain(`pid ${first.child.pid}`)
    expect(text).toContain(first.url)
    expect(text).toMatch(/stop it first.*--db.*Postgres/s)
    // Once the first has stopped, the database is free again.
    expect((await stopTimed(first)).code).toBe(0)
    const again = recordingIo(tmp.dir)
    const started = main(['start', '--port', '0', '--db', 'sqlite:pw.db'], { ...again, untilSignal: async () => {} })
    expect(await started).toBe(0)
    expect(again.stdout[0]).toMatch(/pipewright start: 1 pipeline/)
  })
})
