/**
 * `usage` and `doctor`.
 * @module
 */

import { createVault } from '../../credentials/vault.js'
import { systemClock } from '../../engine/clock.js'
import { ConfigError, formatProblem } from '../../errors.js'
import { loadPipelines } from '../../pipeline/load.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import { createStore } from '../../store/index.js'
import { type CliIo, table } from '../io.js'
import { openGateway } from '../open-gateway.js'
import { pipelinesDir } from '../pipelines-dir.js'
import { checkActions } from './local.js'

/**
 * `pipewright usage`: one table per configured connection with each budget's limit, use this
 * period, what remains and the highest level reached (70/85/95/100 %). Connections come from
 * the environment exactly as `start` builds them; usage is read from the store.
 */
export async function usageCommand(io: CliIo, opts: { db?: string; json?: boolean }): Promise<number> {
  const store = await createStore(resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  await store.migrate()
  try {
    const { gateway, connections } = await openGateway(io, store)
    const rows = (await gateway.usage()) as unknown as Array<Record<string, unknown>>
    await gateway.close()
    if (opts.json) {
      io.out(JSON.stringify(rows))
      return 0
    }
    const names = Object.entries(connections).flatMap(([id, byName]) => Object.keys(byName).map((n) => `${id}:${n}`))
    if (names.length === 0) {
      io.out('no connections configured (set e.g. HUBSPOT_TOKEN, SLACK_BOT_TOKEN, CLAY_WEBHOOK_URL)')
      return 0
    }
    const blocks = names.map((name) => {
      const mine = rows.filter((r) => r.connection === name)
      const body = mine.length
        ? table(
            mine.map((r) => ({ ...r, level: `${r.level} %` })),
            ['budget', 'period', 'limit', 'used', 'remaining', 'level'],
          )
        : '(no budgets)'
      return `${name}\n${body}`
    })
    io.out(blocks.join('\n\n'))
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
  await check('credentials', async () => {
    const store = await createStore(url)
    try {
      await store.migrate()
      const vault = createVault({ store, secretKey: io.env.PIPEWRIGHT_SECRET_KEY || null, clock: systemClock })
      await vault.assertUsable()
      const list = await vault.list()
      const late = list.filter((c) => c.rotation === 'overdue').map((c) => c.name)
      return `${list.length} stored${list.length ? ', PIPEWRIGHT_SECRET_KEY opens them' : ''}${late.length ? `; overdue for rotation: ${late.join(', ')}` : ''}`
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
