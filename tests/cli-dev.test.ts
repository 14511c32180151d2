import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { eventually, tempDir } from './helpers/engine.js'

const pipeline = (path: string) => `id: hook\ntrigger: { webhook: { path: ${path} } }\nsteps:\n  - { id: echo, map: "{{ event }}" }\n`

describe('pipewright dev', () => {
  it('serves on loopback, reloads a pipeline when its file changes, and keeps the old one when the new one is broken', async () => {
    const tmp = tempDir('pw-dev-')
    mkdirSync(join(tmp.dir, 'pipelines'))
    const file = join(tmp.dir, 'pipelines', 'hook.yaml')
    writeFileSync(file, pipeline('first'))
    const out: string[] = []
    let stop: () => void = () => {}
    const stopped = new Promise<void>((r) => (stop = r))
    const done = main(['dev', '--port', '0', '--db', `sqlite:${join(tmp.dir, 'dev.db')}`], {
      cwd: tmp.dir,
      env: {},
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      stdin: async () => '',
      untilSignal: () => stopped,
    })
    try {
      const url = await eventually(() => /listening on (http:\/\/\S+)/.exec(out.join('\n'))?.[1], 15_000)
      const post = (path: string) =>
        fetch(`${url}/hooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
      expect((await post('first')).status).toBe(202)

      writeFileSync(file, pipeline('second'))
      await eventually(() => out.some((l) => l.startsWith('reloaded 1 pipeline')), 10_000)
      expect((await post('second')).status).toBe(202)
      expect((await post('first')).status).toBe(404)

      writeFileSync(file, 'id: hook\ntrigger: { webhook: { path: second } }\nsteps:\n  - { id: echo, mapp: 1 }\n')
      await eventually(() => out.some((l) => l.includes('not reloaded') && l.includes('unknown step kind "mapp"')), 10_000)
      expect((await post('second')).status).toBe(202)
    } finally {
      stop()
      expect(await done).toBe(0)
      tmp.cleanup()
    }
  })
})
