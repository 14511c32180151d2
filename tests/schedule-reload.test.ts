/**
 * Schedule pipelines follow a hot reload (what `pipewright dev` does when a pipeline file is
 * saved): one added by the reload starts ticking without a restart, one removed stops, and one
 * whose cron changed ticks on the new cron only.
 */
import { afterEach, expect, it } from 'vitest'
import { schedule } from '../src/pipeline/define.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { compile, eventually, tempDir } from './helpers/engine.js'

let runtime: Runtime | null = null
let tmp: ReturnType<typeof tempDir> | null = null
afterEach(async () => {
  await runtime?.close(3000)
  runtime = null
  tmp?.cleanup()
})

/** Ticks seen per pipeline id, in the order their runs executed. */
const ticks = new Map<string, string[]>()
const every = (id: string, cron: string) =>
  compile({
    id,
    trigger: schedule({ cron }),
    steps: [
      {
        id: 'note',
        code: ({ event }: any) => {
          ticks.set(id, [...(ticks.get(id) ?? []), event.tick as string])
          return event.tick
        },
      },
    ],
  })

it('a schedule added by a reload ticks, a removed one stops, a changed cron applies', async () => {
  tmp = tempDir('pw-sched-reload-')
  const manual = compile({ id: 'manual', trigger: { kind: 'manual', options: {} } as never, steps: [{ id: 's', code: () => 1 }] })
  runtime = await createRuntime({ cwd: tmp.dir, env: {}, pipelines: [manual], databaseUrl: `sqlite:${tmp.dir}/pw.db`, logLevel: 'silent' })

  runtime.reloadPipelines([manual, every('a', '* * * * * *')])
  await eventually(() => (ticks.get('a')?.length ?? 0) >= 2, 30_000)

  // 'a' removed, 'b' added: once 'b' has ticked twice, 'a' has had two seconds to tick again.
  runtime.reloadPipelines([manual, every('b', '* * * * * *')])
  const removedAt = Date.now()
  await eventually(() => (ticks.get('b')?.length ?? 0) >= 2, 30_000)
  const lateA = (ticks.get('a') ?? []).filter((t) => Date.parse(t) > removedAt + 1000)
  expect(lateA).toEqual([])

  // 'b' moved to even seconds only: from the reload on, no odd-second tick of 'b' runs.
  const changedAt = Date.now()
  runtime.reloadPipelines([manual, every('b', '*/2 * * * * *')])
  const before = ticks.get('b')!.length
  await eventually(() => ticks.get('b')!.filter((t) => Date.parse(t) > changedAt + 1000).length >= 2, 30_000)
  const after = ticks
    .get('b')!
    .slice(before)
    .filter((t) => Date.parse(t) > changedAt + 1000)
  expect(after.every((t) => new Date(t).getUTCSeconds() % 2 === 0)).toBe(true)
}, 120_000)
