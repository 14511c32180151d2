/**
 * `pipewright docs`: the hub README of the demo project matches the committed snapshot
 * (examples/clay-hubspot-slack/HUB.md; `npx vitest run tests/docs.test.ts -u` rewrites it after a
 * deliberate change, e.g. a connector's limits), and on a YAML project
 * with connections, a sync-free alerts.yaml and a store, it shows the registry without secrets,
 * field mappings, and goes stale — `--check` exits 1 naming the line — when state changes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import demo from '../examples/clay-hubspot-slack/pipeline.js'
import { hubReadmeText } from '../src/cli/commands/docs.js'
import { main } from '../src/cli/main.js'
import { compilePipeline } from '../src/pipeline/compile.js'
import { createStore } from '../src/store/index.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

const DEMO = join(import.meta.dirname, '..', 'examples', 'clay-hubspot-slack')
const SECRETS = {
  HUBSPOT_TOKEN: 'pat-na1-docs-secret-0001',
  SLACK_BOT_TOKEN: 'xoxb-docs-secret-0002',
  HUBSPOT_MAIN_TOKEN: 'pat-na1-main-secret-0003',
}

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir('pw-docs-')
})
afterEach(() => tmp.cleanup())

async function cli(cwd: string, ...argv: string[]) {
  const io = recordingIo(cwd, { ...SECRETS, PIPEWRIGHT_DATABASE_URL: `sqlite:${join(tmp.dir, 'pw.db')}` })
  const code = await main(argv, io)
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') }
}

describe('pipewright docs', () => {
  it('writes the demo project’s hub README as committed (examples/clay-hubspot-slack/HUB.md; `vitest -u` rewrites it)', async () => {
    // The demo pipeline compiled here (vitest has transformed it already): loading the directory
    // through jiti is what `docs` does too, and takes far longer on a loaded machine.
    const io = recordingIo(DEMO, { ...SECRETS, PIPEWRIGHT_DATABASE_URL: `sqlite:${join(tmp.dir, 'pw.db')}` })
    const hub = await hubReadmeText(io, {}, { pipelines: [compilePipeline(demo, { format: 'ts', file: 'pipeline.ts', env: io.env })] })
    await expect(hub).toMatchFileSnapshot(join(DEMO, 'HUB.md'))
    expect(hub).toContain('| [clay-hubspot-slack](#pipeline-clay-hubspot-slack) | pipeline | webhook POST /hooks/clay-enrichment |')
    expect(hub).toContain('| hubspot:default | hubspot | environment | env HUBSPOT_TOKEN (present) |')
    expect(hub).toContain('```mermaid\nflowchart LR\n  trigger(["webhook POST /hooks/clay-enrichment"])')
    expect(hub).toContain('  s_hot -->|"when 1"| s_hot_0__notify')
    expect(hub).toContain('| hubspot:default | daily | per day | 0 | 250,000 | 0 % | ok |')
    for (const s of Object.values(SECRETS)) expect(hub).not.toContain(s)
  })

  it('shows a project’s registry without secrets and its field mappings, and --check catches a stale copy', async () => {
    const dir = tmp.dir
    await mkdir(join(dir, 'pipelines'))
    await mkdir(join(dir, 'connections'))
    await writeFile(
      join(dir, 'pipelines', 'leads.yaml'),
      [
        'id: leads',
        'description: Form leads into HubSpot',
        'trigger: { webhook: { path: leads } }',
        'steps:',
        '  - id: lead',
        '    map: { email: "{{ $lowercase(event.email) }}", company: "{{ event.company }}" }',
        '  - id: write',
        '    action: hubspot.contacts.upsert',
        '    connection: main',
        '    with: { properties: { email: "{{ lead.email }}", company: "{{ lead.company }}" } }',
        '',
      ].join('\n'),
    )
    await writeFile(
      join(dir, 'connections', 'hubspot.yaml'),
      'id: hubspot:main\ncredential: { env: HUBSPOT_MAIN_TOKEN }\nplan: professional\nbudgets:\n  - { name: daily, period: day, limit: 500000 }\nowner: revops@example.com\ntags: [crm, production]\n',
    )
    await writeFile(
      join(dir, 'alerts.yaml'),
      'channels:\n  oncall: { type: slack, token: "xoxb-alert-channel-secret", severities: [critical] }\n',
    )
    const wrote = await cli(dir, 'docs', '--out', 'HUB.md')
    expect(wrote.code).toBe(0)
    const hub = await readFile(join(dir, 'HUB.md'), 'utf8')
    expect(hub).toContain(
      '| [leads](#pipeline-leads) | pipeline | webhook POST /hooks/leads | hubspot:main | Active | revops@example.com | pipelines/leads.yaml |',
    )
    expect(hub).toMatch(
      /\| hubspot:main \| hubspot \| connections\/hubspot\.yaml \| env HUBSPOT_MAIN_TOKEN \(present\) \| – \| Active \| revops@example\.com \| .* \| crm, production \|/,
    )
    expect(hub).toContain('| write | `hubspot.contacts.upsert properties.email` | `{{ lead.email }}` | – |')
    expect(hub).toContain('| lead | `email` | `{{ $lowercase(event.email) }}` | – |')
    expect(hub).toContain('| oncall | slack |')
    expect(hub).toContain('From `alerts.yaml`.')
    for (const s of [...Object.values(SECRETS), 'xoxb-alert-channel-secret']) expect(hub).not.toContain(s)
    expect((await cli(dir, 'docs', '--out', 'HUB.md', '--check')).code).toBe(0)

    // State changes: an incident fires. The committed copy is now stale.
    const store = await createStore(`sqlite:${join(dir, 'pw.db')}`)
    await store.migrate()
    await store.alerts.observeFiring(
      {
        rule: 'provider-429',
        subject: 'hubspot:main',
        severity: 'warning',
        level: 0,
        summary: 'hubspot:main: 14 provider 429s in 1h',
        value: 14,
        details: { connection: 'hubspot:main' },
      },
      { now: Date.UTC(2026, 11, 7, 9, 30), forMs: 0, deliveries: [] },
    )
    await store.close()
    const stale = await cli(dir, 'docs', '--out', 'HUB.md', '--check')
    expect(stale.code).toBe(1)
    expect(stale.err).toMatch(/^HUB\.md is stale: line \d+ differs; run pipewright docs --out HUB\.md/)
    expect((await cli(dir, 'docs', '--out', 'HUB.md')).code).toBe(0)
    const again = await readFile(join(dir, 'HUB.md'), 'utf8')
    expect(again).toContain(
      '| 2026-12-07 09:30 UTC | provider-429 | hubspot:main | warning | firing | – | hubspot:main: 14 provider 429s in 1h |',
    )
    expect(again).toMatch(/\| hubspot:main \| .* \| Degraded: warning alert provider-429/)
    expect((await cli(dir, 'docs', '--out', 'HUB.md', '--check')).code).toBe(0)
    // Deterministic: the same state writes the same bytes.
    expect((await cli(dir, 'docs')).out).toBe(again.trimEnd())
  }, 120_000)

  it('--check without --out is a usage error', async () => {
    const r = await cli(tmp.dir, 'docs', '--check')
    expect(r.code).toBe(2)
    expect(r.err).toContain('--check needs --out')
  })
})
