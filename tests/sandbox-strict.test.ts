/**
 * `pipewright sandbox --strict`: with sandbox.yaml naming the Slack channels and the Airtable
 * schema, the official SDKs (@slack/web-api, airtable) get the vendor's errors for a misspelt
 * channel, a wrong token and an unknown field, as they would in production.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WebClient } from '@slack/web-api'
import Airtable from 'airtable'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { type RecordingIo, recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
let stop: () => void
let running: Promise<number> | null
beforeEach(() => {
  tmp = tempDir('pw-sandbox-strict-')
  running = null
})
afterEach(async () => {
  stop?.()
  await running
  tmp.cleanup()
})

const CONFIG = `slack:
  channels: ['#leads', C0ALERTS01]
airtable:
  bases:
    appLeads:
      Leads:
        fields: { Name: text, Score: number, Stage: { type: singleSelect, options: [hot, cold] } }
`

/** Start `pipewright sandbox <args> --port 0 --json` in-process; resolves with its URLs. */
async function sandbox(args: string[]): Promise<{ io: RecordingIo; urls: Record<string, string> }> {
  const signal = new Promise<void>((r) => {
    stop = r
  })
  const io = { ...recordingIo(tmp.dir), untilSignal: () => signal }
  running = main(['sandbox', ...args, '--port', '0', '--json'], io)
  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    const t = setInterval(() => {
      if (io.stdout[0]) {
        clearInterval(t)
        resolve(JSON.parse(io.stdout[0]))
      }
    }, 20)
    void running!.then((code) => {
      clearInterval(t)
      reject(new Error(`sandbox exited ${code}: ${io.stderr.join('\n')}`))
    })
  })
  return { io, urls }
}

const slack = (urls: Record<string, string>, token = 'xoxb-sandbox') =>
  new WebClient(token, { slackApiUrl: `${urls.slack}/api/`, retryConfig: { retries: 0 } })
const airtableTable = (urls: Record<string, string>) =>
  new Airtable({ apiKey: 'pat-sandbox', endpointUrl: urls.airtable!, noRetryIfRateLimited: true }).base('appLeads')('Leads')

describe('pipewright sandbox --strict', () => {
  it('Slack: a channel not in sandbox.yaml is channel_not_found and a wrong token invalid_auth, through @slack/web-api', async () => {
    writeFileSync(join(tmp.dir, 'sandbox.yaml'), CONFIG)
    const { urls } = await sandbox(['--strict'])
    expect(await slack(urls).chat.postMessage({ channel: '#leads', text: 'hi' })).toMatchObject({ ok: true })
    expect(await slack(urls).chat.postMessage({ channel: 'C0ALERTS01', text: 'hi' })).toMatchObject({ ok: true })
    const misspelt = await slack(urls)
      .chat.postMessage({ channel: '#leds', text: 'hi' })
      .catch((e) => e)
    expect(misspelt.data).toMatchObject({ ok: false, error: 'channel_not_found' })
    const badToken = await slack(urls, 'xoxb-not-ours')
      .chat.postMessage({ channel: '#leads', text: 'hi' })
      .catch((e) => e)
    expect(badToken.data).toMatchObject({ ok: false, error: 'invalid_auth' })
  })

  it('Airtable: a field outside the table schema is UNKNOWN_FIELD_NAME (422), through the airtable package', async () => {
    const { urls } = await sandbox(['--strict', '--config', writeConfig('strict.yaml')])
    const created = await airtableTable(urls).create([{ fields: { Name: 'Ada', Score: 90, Stage: 'hot' } }])
    expect(created[0]!.get('Name')).toBe('Ada')
    const unknown = await airtableTable(urls)
      .create([{ fields: { Name: 'Bob', Emial: 'bob@x.co' } }])
      .catch((e) => e)
    expect(unknown).toMatchObject({ error: 'UNKNOWN_FIELD_NAME', statusCode: 422 })
    expect(unknown.message).toContain('Emial')
  })

  it('without --strict the same mistakes pass (the default sandbox accepts any channel and field)', async () => {
    const { urls } = await sandbox([])
    expect(await slack(urls).chat.postMessage({ channel: '#leds', text: 'hi' })).toMatchObject({ ok: true })
    expect((await airtableTable(urls).create([{ fields: { Emial: 'bob@x.co' } }]))[0]!.get('Emial')).toBe('bob@x.co')
  })

  it('--strict without sandbox.yaml, or with a mistake in it, says what to fix', async () => {
    const none = recordingIo(tmp.dir)
    expect(await main(['sandbox', '--strict', '--port', '0'], none)).toBe(2)
    expect(none.stderr.join('\n')).toMatch(/--strict reads sandbox\.yaml .* write one or pass --config <file>/)
    writeFileSync(join(tmp.dir, 'sandbox.yaml'), 'slack:\n  chanels: [x]\nairtable:\n  bases: { leads: {} }\n')
    const bad = recordingIo(tmp.dir)
    expect(await main(['sandbox', '--strict', '--port', '0'], bad)).toBe(1)
    const text = bad.stderr.join('\n')
    expect(text).toMatch(/sandbox\.yaml.*slack/)
    expect(text).toMatch(/chanels/)
    expect(text).toMatch(/airtable\.bases\.leads: a base id starts with "app"/)
  })
})

function writeConfig(name: string): string {
  writeFileSync(join(tmp.dir, name), CONFIG)
  return name
}
