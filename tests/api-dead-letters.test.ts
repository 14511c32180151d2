/**
 * Dead-letter counts and bulk replay over the API past any page size: the count is exact, and a
 * bulk replay pinned by the count's `until` and `limit` replays exactly what was counted — not
 * a dead letter that arrived after the count, and never more than confirmed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import type { Hub } from '../src/engine/hub.js'
import { NonRetryableError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import { createServer, type PipewrightServer } from '../src/server/app.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

let cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanup.reverse()) await c()
  cleanup = []
})

async function setup() {
  const tmp = tempDir('pw-api-dl-')
  cleanup.push(() => tmp.cleanup())
  const store = sqliteStore(tmp.dir)
  let broken = true
  const actions = new ScriptedActions().on('crm.write', () => {
    if (broken) throw new NonRetryableError('422 from the CRM', { status: 422 })
    return { ok: true }
  })
  const p = compile({ id: 'bulk', trigger: manual(), retry: { maxAttempts: 1 }, steps: [{ id: 'w', action: invocation('crm.write', {}) }] })
  const hub = (await startHub({ pipelines: [p], store, actions })) as Hub
  cleanup.push(() => hub.close())
  const server: PipewrightServer = await createServer(hub, { port: 0 })
  cleanup.push(() => server.close())
  let dead = 0
  const kill = async (n: number) => {
    dead += n
    await hub.ingest(
      'bulk',
      Array.from({ length: n }, (_, i) => ({ payload: { i } })),
    )
    await eventually(async () => (await store.countRuns({ pipelineId: 'bulk' })).dead >= dead, 60_000, 50)
  }
  return { hub, store, server, kill, fix: () => (broken = false) }
}

describe('dead letters over the API', () => {
  it('counts 1,200 dead letters exactly and replays exactly the counted set', async () => {
    const { server, store, kill, fix } = await setup()
    await kill(1200)
    const count = (q = '') => server.app.inject({ url: `/api/v1/dead-letters/count${q}` }).then((r) => r.json())
    const counted = await count()
    expect(counted.count).toBe(1200)
    expect((await count('?reason=permanent')).count).toBe(1200)
    expect((await count('?reason=quota')).count).toBe(0)
    expect((await count('?pipeline=other')).count).toBe(0)

    await kill(1) // dies after the count: not part of what the person confirmed
    expect((await count()).count).toBe(1201)
    fix()
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/dead-letters/replay',
      payload: { filter: { reason: 'permanent', until: counted.until }, limit: counted.count, from: 'trigger' },
    })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.replayed).toHaveLength(1200)
    expect(body.skipped).toEqual([])
    expect(new Set(body.replayed.map((r: { runId: string }) => r.runId)).size).toBe(1200)
    expect((await count()).count).toBe(1)
    await eventually(async () => (await store.countRuns({ pipelineId: 'bulk' })).succeeded === 1200, 60_000, 50)
  })

  it('replays no more than `limit` dead letters', async () => {
    const { server, kill, fix } = await setup()
    await kill(5)
    fix()
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/dead-letters/replay', payload: { filter: {}, limit: 2 } })
    expect(res.json().replayed).toHaveLength(2)
    expect((await server.app.inject({ url: '/api/v1/dead-letters/count' })).json().count).toBe(3)
  })

  it('rejects a limit or until that is not a whole number', async () => {
    const { server } = await setup()
    for (const payload of [{ filter: {}, limit: -1 }, { filter: {}, limit: 'all' }, { filter: { until: 1.5 } }]) {
      const res = await server.app.inject({ method: 'POST', url: '/api/v1/dead-letters/replay', payload })
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json().error.message).toMatch(/(limit|filter\.until) must be a whole number/)
    }
  })
})
