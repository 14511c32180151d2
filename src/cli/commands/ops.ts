/**
 * `usage` and `doctor`.
 * @module
 */
import { builtinConnectors } from '../../connectors/registry.js'
import { createGateway } from '../../connectors/gateway/index.js'
import { systemClock } from '../../engine/clock.js'
import { ConfigError, formatProblem } from '../../errors.js'
import { loadPipelines } from '../../pipeline/load.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import { createStore } from '../../store/index.js'
import { type CliIo, table } from '../io.js'
import { checkActions, pipelinesDir } from './local.js'

export async function usageCommand(io: CliIo, opts: { db?: string; json?: boolean }): Promise<number> {
  const store = await createStore(resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  await store.migrate()
  try {
    const connectors = builtinConnectors()
    const connections: Record<string, Record<string, Record<string, unknown>>> = {}
    for (const c of connectors) {
      const raw = c.fromEnv?.(io.env)
      if (raw) connections[c.id] = { default: raw }
    }
    const gateway = createGateway({ connectors, connections, store, clock: systemClock })
    const rows = (await gateway.usage()) as unknown as Array<Record<string, unknown>>
    await gateway.close()
    io.out(opts.json ? JSON.stringify(rows) : table(rows, ['connection', 'budget', 'period', 'limit', 'used', 'remaining', 'level']))
    return 0
  } finally {
    await store.close()
  }
}

export async function doctorCommand(io: CliIo, opts: { db?: string; dir?: string }): Promise<number> {
  let failed = 0
  const check = async (name: string, fn: () => Promise<string>) => {
    try {
      io.out(`✓ ${name}: ${await fn()}`)
    } catch (e) {
      failed++
      io.out(`✗ ${name}: ${(e as Error).message.split('\n')[0]}`)
    }
  }
  await check('node', async () => {
    const [major, minor] = process.versions.node.split('.').map(Number)
    if (major! < 20 || (major === 20 && minor! < 19)) throw new Error(`Node ${process.versions.node}; Pipewright needs 20.19 or newer`)
    return process.versions.node
  })
  const url = resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd)
  await check('store', async () => {
    const store = await createStore(url)
    try {
      await store.migrate()
      await store.ping()
      return `${store.kind} reachable and migrated`
    } finally {
      await store.close()
    }
  })
  if (io.env.PIPEWRIGHT_REDIS_URL) {
    await check('redis', async () => {
      const { Redis } = await import('ioredis')
      const r = new Redis(io.env.PIPEWRIGHT_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 })
      try {
        await r.connect()
        return `PING ${await r.ping()}`
      } finally {
        r.disconnect()
      }
    })
  }
  await check('pipelines', async () => {
    try {
      const list = await loadPipelines(pipelinesDir(io, opts.dir), { env: io.env, cwd: io.cwd })
      const problems = checkActions(list)
      if (problems.length) throw new Error(problems.map(formatProblem).join('; '))
      return `${list.length} valid`
    } catch (e) {
      if (e instanceof ConfigError) throw new Error(e.problems.map(formatProblem).join('; '))
      throw e
    }
  })
  return failed ? 1 : 0
}
