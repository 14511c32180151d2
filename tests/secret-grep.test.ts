/**
 * Secret-grep over every output surface. A pipeline uses two environment values as credentials
 * under names that say nothing (`CRM_LOGIN` in an Authorization header, `PARTNER_ACCESS` as an
 * `api_key` query parameter); the provider fails and echoes them back in its error, the payload
 * carries a `password` field and a pasted credential. None of them may appear in the logs, the
 * API (runs, run detail, dead letters, CSV export), the CLI (`runs list|show --json`,
 * `runs export --format csv`, `dlq list|show --json`) or the dashboard; stored stacks name no
 * directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { recordingIo } from './helpers/cli.js'
import { eventually, tempDir } from './helpers/engine.js'
import { LOOPBACK_ENV } from './helpers/net.js'

const CRM_LOGIN = 'crm-login-7f3a9c2e1b55d0'
const PARTNER_ACCESS = 'partner-access-91c4e07ab3'
const PAYLOAD_PASSWORD = 'payload-password-5e8d21'
const SECRETS = [CRM_LOGIN, PARTNER_ACCESS, PAYLOAD_PASSWORD]

describe('secrets are masked on every output surface', () => {
  const tmp = tempDir('pw-secret-grep-')
  let rt: Runtime | null = null
  let provider: ReturnType<typeof createServer> | null = null
  afterAll(async () => {
    await rt?.close(2000)
    provider?.close()
    tmp.cleanup()
  })

  it('whatever the variables are called', { timeout: 60_000 }, async () => {
    // A provider that refuses and echoes what it was sent: the credentials come back in its error.
    provider = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ message: `bad credentials: ${req.headers.authorization} for ${req.url} with ${body}` }))
      })
    })
    await new Promise<void>((resolve) => provider!.listen(0, '127.0.0.1', resolve))
    const providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`
    mkdirSync(join(tmp.dir, 'pipelines'))
    writeFileSync(
      join(tmp.dir, 'pipelines', 'push.yaml'),
      [
        'id: push',
        'trigger:',
        '  webhook: { path: push }',
        'steps:',
        '  - id: send',
        '    action: http.request',
        '    retry: { maxAttempts: 1 }',
        '    with:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML pipeline's own ${VAR} placeholders
        '      url: "${CRM_URL}/contacts?api_key=${PARTNER_ACCESS}"',
        '      method: POST',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML pipeline's own ${VAR} placeholders
        '      headers: { authorization: "Bearer ${CRM_LOGIN}" }',
        '      body: { note: "{{ event.note }}" }',
        '',
      ].join('\n'),
    )
    const env = { ...LOOPBACK_ENV, CRM_URL: providerUrl, CRM_LOGIN, PARTNER_ACCESS }
    const logs: string[] = []
    rt = await createRuntime({
      cwd: tmp.dir,
      env,
      server: true,
      port: 0,
      observe: false,
      logLevel: 'debug',
      logDestination: new Writable({
        write(chunk, _e, done) {
          logs.push(String(chunk))
          done()
        },
      }) as never,
    })
    const url = rt.url!
    const res = await fetch(`${url}/hooks/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PAYLOAD_PASSWORD, note: `pasted by mistake: ${CRM_LOGIN}` }),
    })
    expect(res.status).toBe(202)
    const { runId } = (await res.json()) as { runId: string }
    await eventually(async () => (await rt!.hub.store.getRun(runId))?.status === 'dead', 20_000, 20)

    const outputs: Record<string, string> = {}
    for (const path of [
      '/api/v1/runs',
      `/api/v1/runs/${runId}`,
      '/api/v1/dead-letters',
      `/api/v1/dead-letters/${runId}`,
      '/api/v1/runs/export.csv?steps=true',
      '/',
    ])
      outputs[`GET ${path}`] = await (await fetch(`${url}${path}`)).text()
    // The provider's echo did reach the run's error (the test exercises a real leak path).
    expect(outputs[`GET /api/v1/runs/${runId}`]).toContain('bad credentials')

    const db = ['--db', `sqlite:${join(tmp.dir, '.pipewright', 'pipewright.db')}`]
    for (const argv of [
      ['runs', 'list', '--json'],
      ['runs', 'show', runId, '--json'],
      ['runs', 'show', runId],
      ['runs', 'export', '--format', 'csv', '--steps'],
      ['dlq', 'list', '--json'],
      ['dlq', 'list'],
      ['dlq', 'show', runId, '--json'],
    ]) {
      const io = recordingIo(tmp.dir, env)
      expect(await main([...argv, ...db], io), argv.join(' ')).toBe(0)
      outputs[`pipewright ${argv.join(' ')}`] = [...io.stdout, ...io.stderr].join('\n')
    }
    outputs.logs = logs.join('')
    expect(outputs['pipewright runs show --json'] ?? outputs[`pipewright runs show ${runId} --json`]).toContain('bad credentials')

    for (const [surface, text] of Object.entries(outputs)) {
      for (const secret of SECRETS) expect(text.includes(secret), `${surface} prints ${secret}`).toBe(false)
      expect(text, `${surface} names a directory`).not.toContain(tmp.dir)
      expect(text, `${surface} carries a stack`).not.toMatch(/\n\s+at .+:\d+:\d+/)
    }
    // What is stored names no directory either (stacks are kept, for PIPEWRIGHT_DEBUG, without paths).
    const stored = JSON.stringify(await rt.hub.store.getDeadLetter(runId))
    expect(stored).not.toMatch(/\(\/|at \/|file:\/\//)
    for (const secret of SECRETS) expect(stored.includes(secret), `stored dead letter holds ${secret}`).toBe(false)
  })
})
