import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { http } from '../src/connectors/http/index.js'
import { ConfigError } from '../src/errors.js'
import { compilePipeline } from '../src/pipeline/compile.js'
import { definePipeline, env, schedule, webhook } from '../src/pipeline/define.js'
import { loadPipelines } from '../src/pipeline/load.js'
import type { CompiledPipeline, CompiledStep, Scope } from '../src/pipeline/types.js'
import { compilePipelineYaml } from '../src/pipeline/yaml.js'
import { tempDir } from './helpers/engine.js'

/** The shape of a compiled pipeline without its functions: what must match between TS and YAML. */
function shape(p: CompiledPipeline) {
  const step = (s: CompiledStep): unknown => ({
    id: s.id,
    kind: s.kind,
    retry: s.retry,
    timeoutMs: s.timeoutMs,
    ...(s.kind === 'action' ? { ref: s.ref, connection: s.connection } : {}),
    ...(s.kind === 'route' ? { branches: s.branches.map((b) => b.steps.map(step)), otherwise: s.otherwise?.map(step) ?? null } : {}),
    ...(s.kind === 'forEach' ? { steps: s.steps.map(step), concurrency: s.concurrency } : {}),
  })
  return { id: p.id, trigger: p.trigger, retry: p.retry, concurrency: p.concurrency, steps: p.steps.map(step) }
}

async function evaluate(p: CompiledPipeline, event: unknown) {
  const scope: Scope = { event, run: { id: 'run_1', pipelineId: p.id, attempt: 0, createdAt: 0 } }
  const out: Record<string, unknown> = {}
  const walk = async (steps: CompiledStep[]) => {
    for (const s of steps) {
      if (s.kind === 'map') out[s.id] = scope[s.id] = await s.value(scope)
      if (s.kind === 'filter') out[s.id] = scope[s.id] = await s.when(scope)
      if (s.kind === 'action') out[s.id] = await s.params(scope)
      if (s.kind === 'route') {
        for (const b of s.branches)
          if (await b.when(scope)) {
            await walk(b.steps)
            break
          }
      }
    }
  }
  await walk(p.steps)
  return out
}

const YAML = `
id: clay-to-crm
trigger:
  webhook: { path: clay-enrichment, auth: { header: x-webhook-secret, secret: "\${CLAY_SECRET}" } }
retry: { maxAttempts: 4, initialInterval: 2s, maxInterval: 1m }
steps:
  - id: lead
    map:
      email: "{{ $lowercase(event.email) }}"
      score: "{{ event.intent * 0.4 + event.fit * 0.6 }}"
  - id: has-email
    filter: "{{ lead.email != '' }}"
  - id: hot
    route:
      - when: "{{ lead.score > 80 }}"
        steps:
          - id: notify
            action: http.request
            with: { url: "https://hooks.example.com/hot", method: POST, body: { text: "Hot lead {{ lead.email }}" } }
  - id: deliver
    action: http.request
    timeout: 10s
    with: { url: "https://crm.example.com/leads", method: POST, body: "{{ lead }}" }
`

const TS = definePipeline({
  id: 'clay-to-crm',
  trigger: webhook({ path: 'clay-enrichment', auth: { header: 'x-webhook-secret', secret: env('CLAY_SECRET') } }),
  retry: { maxAttempts: 4, initialInterval: '2s', maxInterval: '1m' },
  steps: [
    { id: 'lead', map: ({ event }) => ({ email: String(event.email).toLowerCase(), score: event.intent * 0.4 + event.fit * 0.6 }) },
    { id: 'has-email', filter: ({ lead }) => lead.email !== '' },
    {
      id: 'hot',
      route: [
        {
          when: ({ lead }) => lead.score > 80,
          steps: [
            {
              id: 'notify',
              action: http.request({
                url: 'https://hooks.example.com/hot',
                method: 'POST',
                body: { text: ({ lead }: Scope) => `Hot lead ${lead.email}` },
              }),
            },
          ],
        },
      ],
    },
    {
      id: 'deliver',
      timeout: '10s',
      action: http.request({ url: 'https://crm.example.com/leads', method: 'POST', body: ({ lead }: Scope) => lead }),
    },
  ],
})

describe('TypeScript and YAML pipelines', () => {
  const envs = { CLAY_SECRET: 's3cret-value' }

  it('compile to the same internal form', () => {
    const a = compilePipeline(TS, { format: 'ts', env: envs })
    const b = compilePipelineYaml(YAML, { env: envs })
    expect(shape(b)).toEqual(shape(a))
    expect(a.trigger).toMatchObject({
      kind: 'webhook',
      options: { path: 'clay-enrichment', auth: { header: 'x-webhook-secret', secret: 's3cret-value' }, dedupeWindowMs: 86_400_000 },
    })
    expect(a.retry).toEqual({ maxAttempts: 4, initialIntervalMs: 2000, maxIntervalMs: 60_000, backoffCoefficient: 2 })
  })

  it('compute the same step values for the same event', async () => {
    const a = compilePipeline(TS, { format: 'ts', env: envs })
    const b = compilePipelineYaml(YAML, { env: envs })
    for (const event of [
      { email: 'Ann@Acme.COM', intent: 90, fit: 95 },
      { email: 'bo@x.io', intent: 10, fit: 20 },
    ]) {
      expect(await evaluate(b, event)).toEqual(await evaluate(a, event))
    }
    expect(await evaluate(b, { email: 'Ann@Acme.COM', intent: 90, fit: 95 })).toMatchObject({
      notify: { body: { text: 'Hot lead ann@acme.com' } },
    })
  })

  it('record a version hash that changes when the definition changes', () => {
    const a = compilePipelineYaml(YAML, { env: envs })
    const b = compilePipelineYaml(YAML.replace('maxAttempts: 4', 'maxAttempts: 5'), { env: envs })
    expect(a.version).toMatch(/^[0-9a-f]{12}$/)
    expect(b.version).not.toBe(a.version)
    expect(compilePipelineYaml(YAML, { env: envs }).version).toBe(a.version)
  })
})

describe('validation names the file, step and field of every problem', () => {
  function problems(yaml: string) {
    try {
      compilePipelineYaml(yaml, { file: 'pipelines/bad.yaml', env: {} })
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      return (e as ConfigError).problems
    }
    throw new Error('expected a ConfigError')
  }

  it('reports unknown step kinds, duplicate ids, unknown step references and bad cron together', () => {
    const ps = problems(`
id: bad
trigger: { schedule: { cron: "61 * * * *" } }
steps:
  - id: a
    mapp: { x: 1 }
  - id: b
    map: "{{ leed.email }}"
  - id: b
    filter: "{{ true }}"
`)
    expect(ps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'pipelines/bad.yaml',
          pipeline: 'bad',
          step: 'a',
          message: expect.stringContaining('unknown step kind "mapp"'),
        }),
        expect.objectContaining({ step: 'b', field: 'map', message: expect.stringContaining('unknown step "leed"') }),
        expect.objectContaining({ step: 'b', field: 'id', message: 'duplicate step id "b"' }),
        expect.objectContaining({
          field: 'trigger.schedule.cron',
          message: expect.stringContaining('invalid cron expression "61 * * * *"'),
        }),
      ]),
    )
    expect(ps).toHaveLength(4)
  })

  it('reports an unknown trigger, a bad retry policy, a bad expression with its position and a missing env var', () => {
    const ps = problems(`
id: bad2
trigger: { carrier-pigeon: {} }
retry: { maxAttempts: 0, initialInterval: 1m, maxInterval: 1s }
steps:
  - id: a
    map: "{{ event.x + }}"
  - id: b
    action: http.request
    with: { url: "\${TARGET_URL}" }
`)
    const text = ps.map((p) => `${p.step ?? ''}|${p.field ?? ''}|${p.message}`).join('\n')
    expect(text).toContain('|trigger|unknown trigger "carrier-pigeon"; expected webhook, schedule, poll or manual')
    expect(text).toContain('|retry.maxAttempts|must be a whole number of at least 1')
    expect(text).toContain('|retry.maxInterval|retry.maxInterval cannot be less than retry.initialInterval')
    expect(text).toContain('environment variable TARGET_URL is not set')
    expect(ps.find((p) => p.step === 'a')?.message).toMatch(/position|column|char/i)
  })

  it('reports YAML syntax errors with line and column', () => {
    const ps = problems('id: x\nsteps: [\n  - id: a\n')
    expect(ps[0]!.file).toMatch(/^pipelines\/bad\.yaml:\d+:\d+$/)
  })

  it('accepts a valid schedule with timezone and missed-tick policy', () => {
    const p = compilePipeline(
      definePipeline({
        id: 'weekly',
        trigger: schedule({ cron: '0 9 * * MON', timezone: 'Europe/Berlin', missed: 'skip' }),
        steps: [{ id: 'x', map: () => 1 }],
      }),
      { format: 'ts' },
    )
    expect(p.trigger).toEqual({
      kind: 'schedule',
      options: { cron: '0 9 * * MON', timezone: 'Europe/Berlin', missed: 'skip', payload: null },
    })
  })
})

describe('loading a pipelines directory', () => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => {
    tmp = tempDir()
  })
  afterEach(() => tmp.cleanup())

  it('loads TypeScript and YAML files and rejects duplicate ids and webhook paths across files', async () => {
    const dir = join(tmp.dir, 'pipelines')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.yaml'), 'id: a\ntrigger: { webhook: { path: leads } }\nsteps:\n  - { id: s, map: "{{ event }}" }\n')
    writeFileSync(
      join(dir, 'b.ts'),
      "export default { id: 'b', trigger: { kind: 'manual', options: {} }, steps: [{ id: 's', map: ({ event }: any) => event }] }\n",
    )
    const loaded = await loadPipelines(dir)
    expect(loaded.map((p) => [p.id, p.source.format])).toEqual([
      ['a', 'yaml'],
      ['b', 'ts'],
    ])
    writeFileSync(join(dir, 'c.yaml'), 'id: a\ntrigger: { webhook: { path: leads } }\nsteps:\n  - { id: s, map: "{{ event }}" }\n')
    await expect(loadPipelines(dir)).rejects.toThrow(
      /pipeline id "a" is also used in .*a\.yaml[\s\S]*webhook path "leads" is also used by pipeline a/,
    )
  })
})
