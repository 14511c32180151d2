/**
 * `run --sandbox --strict` and `dev --sandbox --strict` enforce sandbox.yaml (or
 * `--sandbox-config <file>`) as `pipewright sandbox --strict` does: a pipeline posting to a Slack
 * channel that is not listed, or writing an Airtable field outside the table, fails with the
 * vendor's error; without --strict the same pipeline passes.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { recordingIo } from './helpers/cli.js'
import { eventually, tempDir } from './helpers/engine.js'

const CONFIG = `slack:
  channels: ['#leads']
airtable:
  bases:
    appLeads:
      Leads:
        fields: { Name: text, Score: number }
`

const PIPELINES: Record<string, string> = {
  'notify.yaml': `id: notify
trigger: { webhook: { path: notify } }
steps:
  - id: post
    action: slack.postMessage
    retry: { maxAttempts: 1 }
    with: { channel: "{{ event.channel }}", text: "hello" }
`,
  'record.yaml': `id: record
trigger: { manual: {} }
steps:
  - id: save
    action: airtable.records.create
    retry: { maxAttempts: 1 }
    with: { base: appLeads, table: Leads, fields: "{{ event.fields }}" }
`,
}

describe('--strict on the commands that start a sandbox', () => {
  const tmp = tempDir('pw-strict-flags-')
  beforeAll(() => {
    mkdirSync(join(tmp.dir, 'pipelines'))
    for (const [name, text] of Object.entries(PIPELINES)) writeFileSync(join(tmp.dir, 'pipelines', name), text)
    writeFileSync(join(tmp.dir, 'sandbox.yaml'), CONFIG)
    writeFileSync(join(tmp.dir, 'other.yaml'), CONFIG.replace("'#leads'", "'#sales'"))
  })
  afterAll(() => tmp.cleanup())

  async function run(pipeline: string, event: object, flags: string[]) {
    const io = recordingIo(tmp.dir, {}, JSON.stringify(event))
    const code = await main(['run', pipeline, '--event', '-', '--sandbox', ...flags], io)
    return { code, text: [...io.stdout, ...io.stderr].join('\n') }
  }

  it('run --sandbox --strict: a channel not in sandbox.yaml is channel_not_found; a listed one is posted to', async () => {
    const ok = await run('notify', { channel: '#leads' }, ['--strict'])
    expect(ok.code, ok.text).toBe(0)
    const typo = await run('notify', { channel: '#laeds' }, ['--strict'])
    expect(typo.code, typo.text).toBe(1)
    expect(typo.text).toMatch(/channel_not_found/)
    // Without --strict the sandbox accepts any channel: the mistake passes.
    expect((await run('notify', { channel: '#laeds' }, [])).code).toBe(0)
  })

  it('run --sandbox --strict: an Airtable field outside the table is UNKNOWN_FIELD_NAME', async () => {
    const ok = await run('record', { fields: { Name: 'Ada', Score: 90 } }, ['--strict'])
    expect(ok.code, ok.text).toBe(0)
    const typo = await run('record', { fields: { Name: 'Ada', Scroe: 90 } }, ['--strict'])
    expect(typo.code, typo.text).toBe(1)
    expect(typo.text).toMatch(/UNKNOWN_FIELD_NAME|Unknown field name/)
  })

  it('--sandbox-config names another file; flags without --sandbox or --strict are usage errors', async () => {
    const sales = await run('notify', { channel: '#leads' }, ['--strict', '--sandbox-config', 'other.yaml'])
    expect(sales.code, sales.text).toBe(1)
    expect(sales.text).toMatch(/channel_not_found/)
    expect((await run('notify', { channel: '#sales' }, ['--strict', '--sandbox-config', 'other.yaml'])).code).toBe(0)

    const noSandbox = recordingIo(tmp.dir, {}, '{}')
    expect(await main(['run', 'notify', '--event', '-', '--strict'], noSandbox)).toBe(2)
    expect(noSandbox.stderr.join('\n')).toMatch(/--strict is a sandbox option; add --sandbox/)
    const noStrict = await run('notify', {}, ['--sandbox-config', 'other.yaml'])
    expect(noStrict.code).toBe(2)
    expect(noStrict.text).toMatch(/--sandbox-config is the file of --strict; add --strict/)
    const missing = await run('notify', {}, ['--strict', '--sandbox-config', 'nope.yaml'])
    expect(missing.code).toBe(1)
    expect(missing.text).toMatch(/nope\.yaml.*no such file/)
  })

  it('dev --sandbox --strict: a webhook run posting to an unlisted channel dies with channel_not_found', async () => {
    const out: string[] = []
    let stop: () => void = () => {}
    const stopped = new Promise<void>((r) => (stop = r))
    const done = main(['dev', '--sandbox', '--strict', '--port', '0', '--db', `sqlite:${join(tmp.dir, 'dev.db')}`], {
      ...recordingIo(tmp.dir, { PIPEWRIGHT_LOG_LEVEL: 'silent' }),
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      untilSignal: () => stopped,
    })
    try {
      const url = await eventually(() => /listening on (http:\/\/\S+)/.exec(out.join('\n'))?.[1], 20_000)
      expect(out.join('\n')).toMatch(/strict: tokens xoxb-sandbox/)
      const post = async (channel: string) => {
        const res = await fetch(`${url}/hooks/notify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ channel }),
        })
        expect(res.status).toBe(202)
        const { runId } = (await res.json()) as { runId: string }
        type Run = { status: string; error?: { message: string } }
        return eventually<Run | null>(async () => {
          const body = (await (await fetch(`${url}/api/v1/runs/${runId}`)).json()) as Record<string, any>
          const run = (body.run ?? body) as Run
          return run.status === 'succeeded' || run.status === 'dead' ? run : null
        }, 20_000)
      }
      expect((await post('#leads'))?.status).toBe('succeeded')
      const dead = await post('#random')
      expect(dead?.status).toBe('dead')
      expect(JSON.stringify(dead?.error)).toMatch(/channel_not_found/)
    } finally {
      stop()
      expect(await done).toBe(0)
    }
  })
})
