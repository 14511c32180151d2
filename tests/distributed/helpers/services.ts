/**
 * The real PostgreSQL and Redis the distributed tests run against, with isolation helpers:
 * a random schema per test (dropped afterwards) and random Redis key prefixes.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import pg from 'pg'

export const REDIS_URL = 'redis://127.0.0.1:6379'
const PG_CANDIDATES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** The first Postgres URL that answers, or null. */
export async function postgresUrl(): Promise<string | null> {
  for (const url of PG_CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      return url
    } catch {
      // next candidate
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return null
}

export const randomName = (prefix: string) => `${prefix}${randomBytes(6).toString('hex')}`

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** Delete every key matching `pattern` (SCAN, never KEYS). */
export async function deleteKeys(pattern: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url)
  let removed = 0
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500)
      cursor = next
      if (keys.length) removed += await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return removed
}

/**
 * Delete every key matching `pattern` in one atomic step (a Lua script), as FLUSHALL would,
 * without touching other users of a shared Redis. Test use only: KEYS scans the keyspace.
 */
export async function flushKeysAtomically(pattern: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url)
  try {
    const script = "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('DEL', k) end return n"
    return Number(await redis.eval(script, 0, pattern))
  } finally {
    redis.disconnect()
  }
}
