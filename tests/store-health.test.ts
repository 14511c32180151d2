/**
 * Readiness tells the truth about the store: /readyz is 503 whenever the store cannot take a
 * write, and 200 again once it can. SQLite: a database, `-wal` or `-shm` file deleted or
 * replaced while open stops intake (503, a log line naming the file) and every event
 * acknowledged before is still there when the file is back. The SIGBUS cases (a `-shm`
 * truncated under the running process, a `-shm` the process can only read) run in a real
 * `pipewright start` process.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, copyFileSync, linkSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { type AddressInfo, connect, createServer as createNetServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { createPostgresStore } from '../src/store/postgres/index.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { eventually, tempDir } from './helpers/engine.js'
import { ROOT, type Spawned, spawnPipewright } from './helpers/process.js'

const PIPELINES = join(ROOT, 'tests/fixtures/health/pipelines')

let tmp: ReturnType<typeof tempDir> | null = null
let rt: Runtime | null = null
afterEach(async () => {
  await rt?.close(2000).catch(() => {})
  rt = null
  tmp?.cleanup()
  tmp = null
})

function logSink() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { lines, stream: stream as unknown as NonNullable<Parameters<typeof createRuntime>[0]['logDestination']> }
}

async function status(url: string, path: string): Promise<number> {
  const res = await fetch(`${url}${path}`)
  await res.arrayBuffer()
  return res.status
}

async function post(url: string, n: number): Promise<{ status: number; runId?: string }> {
  const res = await fetch(`${url}/hooks/intake`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ n }),
  })
  const body = (await res.json()) as { runId?: string }
  return { status: res.status, runId: body.runId }
}

describe('readiness on SQLite', () => {
  // Each case breaks the files one way, then puts the original file back (a hard link kept it).
  const cases: Array<{ name: string; file: string; how: 'delete' | 'replace'; says: RegExp }> = [
    { name: 'database file deleted', file: '', how: 'delete', says: /pw\.db vanished/ },
    { name: 'database file replaced', file: '', how: 'replace', says: /pw\.db was replaced/ },
    { name: '-wal deleted', file: '-wal', how: 'delete', says: /pw\.db-wal vanished/ },
    { name: '-shm replaced', file: '-shm', how: 'replace', says: /pw\.db-shm was replaced/ },
  ]
  for (const c of cases) {
    it(`${c.name}: intake stops with 503, the log names the file, and it all comes back`, async () => {
      tmp = tempDir('pw-store-health-')
      const db = join(tmp.dir, 'pw.db')
      const log = logSink()
      rt = await createRuntime({
        cwd: tmp.dir,
        env: {},
        databaseUrl: `sqlite:${db}`,
        pipelinesDir: PIPELINES,
        server: true,
        port: 0,
        logDestination: log.stream,
        observe: false,
      })
      const url = rt.url!
      expect(await status(url, '/readyz')).toBe(200)
      const acked: string[] = []
      for (let n = 0; n < 20; n++) {
        const r = await post(url, n)
        expect(r.status).toBe(202)
        acked.push(r.runId!)
      }

      const target = db + c.file
      const kept = `${target}.kept`
      linkSync(target, kept)
      if (c.how === 'delete') unlinkSync(target)
      else {
        copyFileSync(kept, `${target}.copy`)
        renameSync(`${target}.copy`, target)
      }

      await eventually(async () => (await status(url, '/readyz')) === 503, 10_000, 50)
      expect((await post(url, 100)).status).toBe(503)
      await eventually(() => log.lines.some((l) => c.says.test(l) && /intake stopped/.test(l)), 5000, 20)

      renameSync(kept, target) // the original file is back where it was
      await eventually(async () => (await status(url, '/readyz')) === 200, 10_000, 50)
      await eventually(() => log.lines.some((l) => /intake resumed/.test(l)), 5000, 20)
      const after = await post(url, 101)
      expect(after.status).toBe(202)
      acked.push(after.runId!)
      for (const id of acked) expect(await rt.hub.store.getRun(id), id).not.toBeNull()
    })
  }
})

/** A TCP proxy to Postgres that the test can cut (refuse and drop every connection) and restore. */
async function pgProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  const open = async () => {
    server = createNetServer((client) => {
      const upstream = connect(target.port, target.host)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => sockets.delete(s))
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
    port = (server!.address() as AddressInfo).port
  }
  await open()
  return {
    get port() {
      return port
    },
    async cut() {
      const s = server!
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    restore: open,
  }
}

const PG_CANDIDATES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']
async function pgUrl(): Promise<string | null> {
  for (const url of PG_CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      return url
    } catch {
      // the next user
    } finally {
      await client.end().catch(() => {})
    }
  }
  return null
}
const PG = await pgUrl()

describe.skipIf(!PG)('readiness on Postgres', () => {
  it('503 while the server cannot be reached (a proxy cut), 200 again once it can', async () => {
    const schema = `pw_health_${randomBytes(5).toString('hex')}`
    const proxy = await pgProxy({ host: '127.0.0.1', port: 5432 })
    const viaProxy = new URL(PG!)
    viaProxy.port = String(proxy.port)
    tmp = tempDir('pw-store-health-pg-')
    const store = createPostgresStore({ connectionString: viaProxy.href, schema, connectTimeoutMs: 1000 })
    try {
      rt = await createRuntime({
        cwd: tmp.dir,
        env: {},
        store,
        pipelinesDir: PIPELINES,
        server: true,
        port: 0,
        logLevel: 'silent',
        observe: false,
      })
      const url = rt.url!
      expect(await status(url, '/readyz')).toBe(200)
      const before = await post(url, 1)
      expect(before.status).toBe(202)

      await proxy.cut()
      expect(await status(url, '/readyz')).toBe(503)
      expect((await post(url, 2)).status).toBe(503)

      await proxy.restore()
      await eventually(async () => (await status(url, '/readyz')) === 200, 10_000, 100)
      expect((await post(url, 3)).status).toBe(202)
      expect(await rt.hub.store.getRun(before.runId!)).not.toBeNull()
    } finally {
      await rt?.close(2000).catch(() => {})
      rt = null
      await proxy.cut().catch(() => {})
      const client = new pg.Client({ connectionString: PG! })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    }
  })
})

describe.skipIf(!PG)('readiness on Postgres: reads answer, writes refused', () => {
  it('503 while the role may only read (a standby, default_transaction_read_only), 200 once it may write', async () => {
    const id = randomBytes(5).toString('hex')
    const role = `pw_ro_${id}`
    const schema = `pw_health_ro_${id}`
    const admin = new pg.Client({ connectionString: PG! })
    await admin.connect()
    // The pool's sessions pick a role setting up when they connect: end them to apply it now.
    const reconnect = () => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role])
    await admin.query(`CREATE ROLE ${role} LOGIN`)
    await admin.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`)
    await admin.query(`GRANT CREATE ON DATABASE ${new URL(PG!).pathname.slice(1)} TO ${role}`)
    const asRole = new URL(PG!)
    asRole.username = role
    tmp = tempDir('pw-store-health-pg-ro-')
    try {
      const store = createPostgresStore({ connectionString: asRole.href, schema, connectTimeoutMs: 1000 })
      rt = await createRuntime({
        cwd: tmp.dir,
        env: {},
        store,
        pipelinesDir: PIPELINES,
        server: true,
        port: 0,
        logLevel: 'silent',
        observe: false,
      })
      const url = rt.url!
      expect(await status(url, '/readyz')).toBe(200)

      await admin.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`)
      await reconnect()
      await eventually(async () => (await status(url, '/readyz')) === 503, 10_000, 100)
      await rt.hub.store.ping() // reads still answer: the old probe said "ready" here
      expect((await post(url, 1)).status).toBe(503)

      await admin.query(`ALTER ROLE ${role} RESET default_transaction_read_only`)
      await reconnect()
      await eventually(async () => (await status(url, '/readyz')) === 200, 10_000, 100)
      expect((await post(url, 2)).status).toBe(202)
    } finally {
      await rt?.close(2000).catch(() => {})
      rt = null
      await reconnect().catch(() => {})
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin.query(`REVOKE ALL ON DATABASE ${new URL(PG!).pathname.slice(1)} FROM ${role}`)
      await admin.query(`DROP ROLE IF EXISTS ${role}`)
      await admin.end()
    }
  })
})

describe('SQLite -shm trouble in a real process (no SIGBUS)', () => {
  const spawned: Spawned[] = []
  afterEach(async () => {
    for (const s of spawned.splice(0)) await s.kill('SIGKILL')
  })
  const start = async (db: string, cwd: string, as: { uid?: number; gid?: number } = {}) => {
    const s = await spawnPipewright(
      ['start', '--db', `sqlite:${db}`, '--port', '0', '--dir', PIPELINES],
      { PIPEWRIGHT_LOG_LEVEL: 'info' },
      cwd,
      30_000,
      as,
    )
    spawned.push(s)
    return s
  }

  it('a -shm truncated under the running process: 503 and a log line naming it, the process lives; a restart brings it back', {
    timeout: 90_000,
  }, async () => {
    tmp = tempDir('pw-store-shm-')
    const db = join(tmp.dir, 'pw.db')
    let p = await start(db, tmp.dir)
    const acked: string[] = []
    for (let n = 0; n < 10; n++) {
      const r = await post(p.url, n)
      expect(r.status).toBe(202)
      acked.push(r.runId!)
    }
    // Truncate while the process is idle: a write already inside SQLite when the file shrinks can
    // still fault (the size check narrows that window, it cannot close it; docs/decisions.md).
    const probe = createSqliteStore({ path: db })
    try {
      await eventually(
        async () => {
          for (const id of acked) if (['queued', 'running', 'waiting'].includes(String((await probe.getRun(id))?.status))) return false
          return true
        },
        30_000,
        50,
      )
    } finally {
      await probe.close()
    }
    expect(statSync(`${db}-shm`).size).toBeGreaterThan(0)
    truncateSync(`${db}-shm`, 0)
    await eventually(async () => (await status(p.url, '/readyz')) === 503, 15_000, 50)
    expect((await post(p.url, 100)).status).toBe(503)
    await eventually(() => /pw\.db-shm was truncated by another program/.test(p.output()), 5000, 20)
    expect(p.child.exitCode).toBeNull()
    expect(p.child.signalCode).toBeNull()
    await p.kill('SIGTERM')
    expect(p.child.signalCode).toBeNull() // it ended by itself, not by SIGBUS
    expect(p.child.exitCode).toBe(0)

    p = await start(db, tmp.dir)
    await eventually(async () => (await status(p.url, '/readyz')) === 200, 15_000, 50)
    expect((await post(p.url, 101)).status).toBe(202)
    await p.kill('SIGTERM')
    const store = createSqliteStore({ path: db })
    try {
      for (const id of acked) expect(await store.getRun(id), id).not.toBeNull()
    } finally {
      await store.close()
    }
  })

  // Root writes any file, and an owner can make its own file writable again (SQLite does): the
  // process runs as `nobody` and the -shm belongs to root, so this needs the tests to run as root.
  it.skipIf(process.getuid?.() !== 0)(
    'a -shm the process cannot write: start-up refuses with a message naming it (no crash), and works once it can',
    { timeout: 90_000 },
    async () => {
      tmp = tempDir('pw-store-shm-ro-')
      const as = { uid: 65534, gid: 65534 }
      chownSync(tmp.dir, as.uid, as.gid)
      const db = join(tmp.dir, 'pw.db')
      let p = await start(db, tmp.dir, as)
      const first = await post(p.url, 1)
      expect(first.status).toBe(202)
      await p.kill('SIGTERM') // a clean close removes -wal and -shm
      const shm = `${db}-shm`
      writeFileSync(shm, '')
      chmodSync(shm, 0o644) // root's: `nobody` can read it only

      const refused = await start(db, tmp.dir, as).then(
        () => null,
        (e: Error) => e.message,
      )
      expect(refused).toMatch(/exited with 1 before listening/)
      expect(refused).toMatch(/PW_STORE_UNAVAILABLE.*pw\.db-shm is not writable by this process/)

      chownSync(shm, as.uid, as.gid)
      p = await start(db, tmp.dir, as)
      expect(await status(p.url, '/readyz')).toBe(200)
      expect((await post(p.url, 3)).status).toBe(202)
      await p.kill('SIGTERM')
      const store = createSqliteStore({ path: db })
      try {
        expect(await store.getRun(first.runId!)).not.toBeNull()
      } finally {
        await store.close()
      }
    },
  )
})
