/**
 * Power-loss simulation: `pipewright start` on SQLite runs with a preload
 * (tests/fixtures/power-loss/durable-image.mjs) that keeps, at every WAL sync, an image of what is
 * durable at that moment. Under webhook load the process is SIGKILLed at a random moment and the
 * files are replaced by the newest image — every write that was not synced is dropped — then it
 * starts again. Three cuts; every event acknowledged before a cut must still be there, and run.
 *
 * What this models: the store's own promise (acknowledge only after the WAL sync). What it trusts:
 * SQLite's syncs around checkpoints (the database file is copied as it is at each WAL sync, when no
 * checkpoint is in progress in this single-threaded process). Linux only (/proc/self/fd).
 */
import { copyFileSync, existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { eventually, tempDir } from './helpers/engine.js'
import { crashStartArgs, postCrashLead, ROOT, type Spawned, spawnPipewright, startReceiver } from './helpers/process.js'

const CUTS = 3
const CONCURRENCY = 8
/** Events each process acknowledges before its power cut: every cut lands under load. */
const PER_CUT = 10
const SHIM = join(ROOT, 'tests/fixtures/power-loss/durable-image.mjs')

describe.skipIf(!existsSync('/proc/self/fd'))('power loss', () => {
  const tmp = tempDir('pw-power-loss-')
  const spawned: Spawned[] = []
  let receiver: Awaited<ReturnType<typeof startReceiver>> | null = null
  afterAll(async () => {
    for (const s of spawned) await s.kill('SIGKILL')
    await receiver?.close()
    tmp.cleanup()
  })

  it(`drops every write that was not synced, ${CUTS} times under load: 0 acknowledged events lost`, { timeout: 240_000 }, async () => {
    receiver = await startReceiver()
    const db = join(tmp.dir, 'pl.db')
    const images = join(tmp.dir, 'images')
    const args = crashStartArgs(db)
    const env = {
      RECEIVER_URL: receiver.url,
      PW_DURABLE_IMAGE_DIR: images,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${SHIM}`.trim(),
    }
    const acked = new Set<string>()
    let n = 0
    for (let cut = 0; cut < CUTS; cut++) {
      const server = await spawnPipewright(args, env, ROOT, 60_000)
      spawned.push(server)
      let stop = false
      let ackedHere = 0
      const load = async () => {
        while (!stop) {
          const i = n++
          const runId = await postCrashLead(server.url, i)
          if (runId) {
            acked.add(runId)
            ackedHere++
          }
        }
      }
      const loaders = Array.from({ length: CONCURRENCY }, load)
      // The cut lands under load however slow the machine: this process has synced and
      // acknowledged events (an event, with a generous bound), then runs 1.5–4 s more.
      await eventually(() => ackedHere >= PER_CUT, 60_000, 20)
      await new Promise((resolve) => setTimeout(resolve, 1500 + Math.floor(Math.random() * 2500)))
      await server.kill('SIGKILL') // the power goes
      stop = true
      await Promise.all(loaders)
      // What the disk holds afterwards: the newest complete image, nothing written after its sync.
      const newest = readdirSync(images)
        .filter((d) => d.startsWith('image-'))
        .sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2]))
        .filter((d) => d.includes(`-${server.child.pid}-`))
        .pop()
      expect(newest, 'an image was taken').toBeDefined()
      for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
      copyFileSync(join(images, newest!, 'db'), db)
      copyFileSync(join(images, newest!, 'wal'), `${db}-wal`)
      rmSync(images, { recursive: true, force: true })
    }
    expect(acked.size).toBeGreaterThanOrEqual(PER_CUT * CUTS)

    const last = await spawnPipewright(args, { RECEIVER_URL: receiver.url }, ROOT, 60_000)
    spawned.push(last)
    const store = createSqliteStore({ path: db })
    try {
      const lost: string[] = []
      for (const runId of acked) if (!(await store.getRun(runId))) lost.push(runId)
      console.log(`power loss: ${CUTS} cuts, ${acked.size} acknowledged events (of ${n} sent), ${lost.length} lost`)
      expect(lost, 'acknowledged events lost').toEqual([])
      await eventually(
        async () => {
          const counts = await store.countRuns({ pipelineId: 'crash' })
          return counts.queued + counts.running + counts.waiting === 0
        },
        120_000,
        250,
      )
      for (const runId of acked) expect((await store.getRun(runId))?.status, `run ${runId}`).toBe('succeeded')
    } finally {
      await store.close()
    }
    const missing = [...acked].filter((id) => !receiver!.keys.has(`${id}:deliver`))
    expect(missing, 'acknowledged events whose call never arrived').toEqual([])
  })
})
