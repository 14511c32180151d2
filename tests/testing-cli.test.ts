import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { slack } from '../src/connectors/index.js'
import { manual } from '../src/pipeline/define.js'
import { createTestHub, runPipeline } from '../src/testing/index.js'
import { type RecordingIo, recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir('pw-testing-')
  mkdirSync(join(tmp.dir, 'pipelines'))
  writeFileSync(
    join(tmp.dir, 'pipelines', 'hot-leads.yaml'),
    `id: hot-leads
trigger: { manual: {} }
steps:
  - id: lead
    map: { email: "{{ $lowercase(event.email) }}", score: "{{ event.score }}" }
  - id: hot
    filter: "{{ lead.score > 80 }}"
  - id: notify
    action: slack.postMessage
    with: { channel: "#hot", text: "Hot lead {{ lead.email }}" }
`,
  )
})
afterEach(() => tmp.cleanup())

function io(): RecordingIo {
  return recordingIo(tmp.dir)
}

const PASSING = `cases:
  - name: hot lead posts to Slack
    event: { email: Ada@X.co, score: 90 }
    expect:
      steps: { lead: { email: ada@x.co } }
      effects:
        - { service: slack, method: POST, path: /api/chat.postMessage, body: { channel: "#hot", text: Hot lead ada@x.co } }
  - name: cold lead is filtered and posts nothing
    event: { email: bo@x.co, score: 10 }
    expect:
      status: filtered
      effects: [{ service: slack, path: /api/chat.postMessage, count: 0 }]
`

describe('pipewright test', () => {
  it('runs the cases next to a pipeline against the sandbox and exits 0 when all pass', async () => {
    mkdirSync(join(tmp.dir, 'pipelines', 'hot-leads.cases'))
    writeFileSync(join(tmp.dir, 'pipelines', 'hot-leads.cases', 'slack.yaml'), PASSING)
    const t = io()
    expect(await main(['test'], t)).toBe(0)
    expect(t.stdout).toEqual([
      '✓ hot-leads › hot lead posts to Slack  (pipelines/hot-leads.cases/slack.yaml)',
      '✓ hot-leads › cold lead is filtered and posts nothing  (pipelines/hot-leads.cases/slack.yaml)',
      '2 passed, 0 failed',
    ])
  })

  it('exits 1 with a readable diff of step outputs, status and effects; from JSON cases too', async () => {
    mkdirSync(join(tmp.dir, 'pipelines', 'hot-leads.cases'))
    writeFileSync(
      join(tmp.dir, 'pipelines', 'hot-leads.cases', 'wrong.json'),
      JSON.stringify({
        event: { email: 'cy@x.co', score: 95 },
        expect: { steps: { lead: { email: 'CY@x.co' } }, effects: [{ service: 'slack', body: { channel: '#cold' } }] },
      }),
    )
    writeFileSync(
      join(tmp.dir, 'pipelines', 'hot-leads.cases', 'status.json'),
      JSON.stringify({ name: 'expects success', event: { email: 'd@x.co', score: 1 } }),
    )
    const t = io()
    expect(await main(['test', 'hot-leads'], t)).toBe(1)
    const out = t.stdout.join('\n')
    expect(out).toContain('✗ hot-leads › expects success')
    expect(out).toContain('status: expected succeeded, got filtered')
    expect(out).toContain('✗ hot-leads › wrong')
    expect(out).toContain('steps.lead.email:\n        - expected "CY@x.co"\n        + actual   "cy@x.co"')
    expect(out).toContain('effect slack: expected at least 1 matching request(s), got 0')
    expect(out).toContain('- expected "#cold"')
    expect(out).toContain('0 passed, 2 failed')
  })
})

describe('pipewright/testing', () => {
  it('createTestHub + runPipeline give the run, step outputs and sandbox effects', async () => {
    const t = await createTestHub({
      sandbox: ['slack'],
      pipelines: [
        {
          id: 'ping',
          trigger: manual(),
          steps: [
            { id: 'msg', map: ({ event }) => `hi ${event.name}` },
            { id: 'post', action: slack.postMessage({ channel: '#general', text: ({ msg }) => msg }) },
          ],
        },
      ],
    })
    try {
      const { run, steps } = await runPipeline(t, 'ping', { name: 'Ada' })
      expect(run.status).toBe('succeeded')
      expect(steps.msg).toBe('hi Ada')
      expect(t.effects('slack').map((r) => (r.body as any).text)).toEqual(['hi Ada'])
    } finally {
      await t.close()
    }
  })
})
