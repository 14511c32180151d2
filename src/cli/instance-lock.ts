/**
 * One `pipewright start` (or `dev`) per SQLite database: a lock file beside the database names
 * the process that holds it (pid, host, URL), so a second `start` says which one to stop instead
 * of running two schedulers and two sweepers on one file. A lock whose process is gone (same
 * host) or that has not been refreshed for `STALE_MS` (a crash on another host, a recreated
 * container) is taken over. `import`, `run` and the other one-shot commands take no lock.
 * @module
 */

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname } from 'node:path'

export interface LockHolder {
  pid: number
  host: string
  command: string
  url: string | null
  since: string
}

export interface InstanceLock {
  path: string
  /** Record where this process serves (shown to a second `start`). */
  setUrl(url: string | null): void
  release(): void
}

const REFRESH_MS = 10_000
const STALE_MS = 45_000

/** The lock file of a `sqlite:` URL's database, or null for other stores and in-memory SQLite. */
export function sqliteLockPath(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null
  const path = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
  return path === '' || path === ':memory:' ? null : `${path}.start.lock`
}

/** Take the lock, or return who holds it. */
export function acquireInstanceLock(path: string, command: string): InstanceLock | { heldBy: LockHolder } {
  const me: LockHolder = { pid: process.pid, host: hostname(), command, url: null, since: new Date().toISOString() }
  mkdirSync(dirname(path), { recursive: true })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeFileSync(fd, JSON.stringify(me))
      closeSync(fd)
      return held(path, me)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const holder = readHolder(path)
    if (holder && !isStale(path, holder)) return { heldBy: holder }
    rmSync(path, { force: true })
  }
  const holder = readHolder(path)
  if (holder) return { heldBy: holder }
  throw new Error(`cannot take the lock ${path}`)
}

function held(path: string, me: LockHolder): InstanceLock {
  const timer = setInterval(() => {
    try {
      const t = new Date()
      utimesSync(path, t, t)
    } catch {
      // removed by hand: nothing to refresh
    }
  }, REFRESH_MS)
  timer.unref()
  const mine = () => readHolder(path)?.pid === me.pid && readHolder(path)?.host === me.host
  return {
    path,
    setUrl(url) {
      if (mine()) writeFileSync(path, JSON.stringify({ ...me, url }))
    },
    release() {
      clearInterval(timer)
      if (mine()) rmSync(path, { force: true })
    },
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder
    return typeof h.pid === 'number' ? h : null
  } catch {
    return null
  }
}

function isStale(path: string, holder: LockHolder): boolean {
  if (holder.host === hostname()) {
    // Our own pid in the file: a previous life of this container (pid 1 again), not a rival.
    if (holder.pid === process.pid) return true
    try {
      process.kill(holder.pid, 0)
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH'
    }
  }
  try {
    return Date.now() - statSync(path).mtimeMs > STALE_MS
  } catch {
    return true
  }
}
