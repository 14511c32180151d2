/**
 * Strict validation (issue 21 part 4): unknown keys anywhere in a pipeline, trigger, step or sync
 * are errors naming file, path and the nearest valid key; a non-string put into a template
 * string is an error; `validate` warns about missing credentials and `--strict` fails on them.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { checkConnectionDefinition } from '../src/connections/schema.js'
import { ConfigError, formatProblem } from '../src/errors.js'
import { compilePipeline } from '../src/pipeline/compile.js'
import { env, webhook } from '../src/pipeline/define.js'
import { loadPipelines } from '../src/pipeline/load.js'
import { parsePipelineYaml } from '../src/pipeline/yaml.js'
import { compileSync } from '../src/sync/compile.js'
import type { SyncDefinition } from '../src/sync/types.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

function problems(run: () => unknown): string[] {
  try {
    run()
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem)
    throw e
  }
  return []
}

const yaml = (body: string) => () =>
  compilePipeline(parsePipelineYaml(body, 'pipelines/leads.yaml'), { format: 'yaml', file: 'pipelines/leads.yaml', env: { S: 's' } })

const head = `id: leads
trigger:
  webhook: { path: leads, auth: { header: x-secret, secret: "\${S}" } }
`

describe('strict validation: a table of mistakes with their exact messages', () => {
  it.each<[string, string, string]>([
    [
      'retry.attempts',
      `${head}steps:\n  - id: post\n    action: http.request\n    with: { url: "https://example.com" }\n    retry: { attempts: 2 }\n`,
      'pipelines/leads.yaml, pipeline leads, step post, field retry.attempts: unknown retry option "attempts"; did you mean maxAttempts?',
    ],
    [
      'a misspelt top-level key',
      `${head}stepz:\n  - id: a\n    map: 1\nsteps:\n  - id: b\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field stepz: unknown pipeline field "stepz"; did you mean steps?',
    ],
    [
      'a pipeline-level retry key',
      `${head}retry: { maxAttempt: 3 }\nsteps:\n  - id: a\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field retry.maxAttempt: unknown retry option "maxAttempt"; did you mean maxAttempts?',
    ],
    [
      'a misspelt step kind',
      `${head}steps:\n  - id: a\n    mapp: 1\n`,
      'pipelines/leads.yaml, pipeline leads, step a: unknown step kind "mapp"; did you mean map?',
    ],
    [
      'a misspelt step field',
      `${head}steps:\n  - id: a\n    map: 1\n    timout: 5s\n`,
      'pipelines/leads.yaml, pipeline leads, step a, field timout: unknown field "timout" for a map step; did you mean timeout?',
    ],
    [
      'a misspelt action parameter block',
      `${head}steps:\n  - id: a\n    action: http.request\n    width: { url: "https://example.com" }\n`,
      'pipelines/leads.yaml, pipeline leads, step a, field width: unknown field "width" for a action step; did you mean with?',
    ],
    [
      'a webhook option',
      `id: leads\ntrigger:\n  webhook: { path: leads, dedupWindow: 1h, auth: { scheme: none } }\nsteps:\n  - id: a\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field trigger.webhook.dedupWindow: unknown webhook option "dedupWindow"; did you mean dedupeWindow?',
    ],
    [
      'an auth option of the wrong scheme',
      `id: leads\ntrigger:\n  webhook: { path: leads, auth: { scheme: bearer, secret: x } }\nsteps:\n  - id: a\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field trigger.webhook.auth.secret: unknown bearer auth option "secret"; expected scheme, token\npipelines/leads.yaml, pipeline leads, field trigger.webhook.auth: bearer auth needs a non-empty token',
    ],
    [
      'a misspelt auth scheme',
      `id: leads\ntrigger:\n  webhook: { path: leads, auth: { scheme: hmac-sha265, header: x-sig, secret: x } }\nsteps:\n  - id: a\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field trigger.webhook.auth.scheme: unknown auth scheme "hmac-sha265"; did you mean hmac-sha256?',
    ],
    [
      'a schedule option',
      `id: leads\ntrigger:\n  schedule: { cron: "0 * * * *", timeZone: Europe/Berlin }\nsteps:\n  - id: a\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field trigger.schedule.timeZone: unknown schedule option "timeZone"; did you mean timezone?',
    ],
    [
      'a misspelt trigger kind',
      `id: leads\ntrigger:\n  webhok: { path: leads }\nsteps:\n  - id: a\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field trigger: unknown trigger "webhok"; did you mean webhook?',
    ],
    [
      'a route branch key',
      `${head}steps:\n  - id: r\n    route:\n      - when: "{{ true }}"\n        step: []\n        steps: [{ id: x, map: 1 }]\n`,
      'pipelines/leads.yaml, pipeline leads, step r, field route[0].step: unknown route branch field "step"; did you mean steps?',
    ],
    [
      'a call option',
      `${head}steps:\n  - id: c\n    call: { pipeline: other, inputs: "{{ event }}" }\n`,
      'pipelines/leads.yaml, pipeline leads, step c, field call.inputs: unknown call option "inputs"; did you mean input?',
    ],
    [
      'a dedupe option',
      `${head}steps:\n  - id: d\n    dedupe: { key: "{{ event.id }}", window: 1h, keepp: first }\n`,
      'pipelines/leads.yaml, pipeline leads, step d, field dedupe.keepp: unknown dedupe option "keepp"; did you mean keep?',
    ],
    [
      'an unrelated key gets the list instead of a guess',
      `${head}steps:\n  - id: d\n    dedupe: { key: "{{ event.id }}", window: 1h, zzz: 1 }\n`,
      'pipelines/leads.yaml, pipeline leads, step d, field dedupe.zzz: unknown dedupe option "zzz"; expected key, window, keep, item',
    ],
    [
      'allowIps that is not an address',
      `id: leads\ntrigger:\n  webhook: { path: leads, auth: { scheme: none }, allowIps: ["10.0.0.0/33"] }\nsteps:\n  - id: a\n    map: 1\n`,
      'pipelines/leads.yaml, pipeline leads, field trigger.webhook.allowIps: "10.0.0.0/33" is not an IPv4/IPv6 address or CIDR (e.g. "203.0.113.0/24", "2001:db8::/32", "::1")',
    ],
  ])('%s', (_name, body, message) => {
    expect(problems(yaml(body))).toEqual(message.split('\n'))
  })

  it('TypeScript definitions get the same messages (webhook() options, step retry)', () => {
    const out = problems(() =>
      compilePipeline(
        {
          id: 'leads',
          trigger: webhook({ path: 'leads', auth: { scheme: 'none' }, maxBodyByte: 10 } as never),
          steps: [{ id: 'a', map: () => 1, retry: { attempts: 2 } } as never],
        },
        { format: 'ts', file: 'pipelines/leads.ts' },
      ),
    )
    expect(out).toEqual(
      [
        'pipelines/leads.ts, pipeline leads, step a, field retry.attempts: unknown retry option "attempts"; did you mean maxAttempts?',
        'pipelines/leads.ts, pipeline leads, field trigger.webhook.maxBodyByte: unknown webhook option "maxBodyByte"; did you mean maxBodyBytes?',
      ].sort((a, b) => (a.includes('step a') ? (b.includes('step a') ? 0 : 1) : -1)),
    )
  })

  it('a sync reports unknown keys at every level with the nearest valid key', () => {
    const def = {
      id: 'people',
      sides: { a: { side: 'memory:crm', matchKey: ['email'] }, b: { side: 'memory:hub', matchKeys: ['email'] } },
      match: { a: 'email', b: 'email', normalise: 'email' },
      fields: [{ a: 'email', b: 'email', onwer: 'a' }],
      schedule: { evry: '1h' },
      conflict: {},
    } as unknown as SyncDefinition
    expect(problems(() => compileSync(def, { format: 'ts', file: 'syncs/people.ts' }))).toEqual([
      'syncs/people.ts, sync people, field conflict: unknown sync field "conflict"; did you mean conflicts?',
      'syncs/people.ts, sync people, field sides.a.matchKey: unknown memory side option "matchKey"; did you mean matchKeys?',
      'syncs/people.ts, sync people, field match.normalise: unknown match field "normalise"; did you mean normalize?',
      'syncs/people.ts, sync people, field fields[0].onwer: unknown field option "onwer"; did you mean owner?',
      'syncs/people.ts, sync people, field schedule.evry: unknown schedule field "evry"; did you mean every?',
    ])
  })
})

describe('connections', () => {
  it('an unknown key in a connection names the nearest valid one, at the top and nested', () => {
    const out = checkConnectionDefinition(
      { id: 'hubspot:main', credentail: { env: 'HUBSPOT_TOKEN' }, circuit: { failureTreshold: 3 } },
      'connections/hubspot.yaml',
    ).map(formatProblem)
    expect(out.sort()).toEqual([
      'connections/hubspot.yaml, field circuit.failureTreshold: unknown key "failureTreshold"; did you mean failureThreshold?',
      'connections/hubspot.yaml, field credentail: unknown key "credentail"; did you mean credential?',
    ])
  })
})

describe('template strings', () => {
  it('an object put into a template string is an error naming the field', () => {
    const lead = { name: 'Ann' }
    const out = problems(() =>
      compilePipeline(
        {
          id: 'leads',
          trigger: webhook({ path: 'leads', auth: { scheme: 'none' } }),
          steps: [{ id: 'a', map: { greeting: `Hi ${lead}` } }],
        },
        { format: 'ts', file: 'pipelines/leads.ts' },
      ),
    )
    expect(out).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows a template literal
      'pipelines/leads.ts, pipeline leads, field steps[0].map.greeting: a non-string value was put into this string (it contains "[object Object]"): pass the value itself, or build the string in a function of the scope, e.g. ({ lead }) => `Hi ${lead.name}`',
    ])
  })

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the title quotes the template literal
  it('`Bearer ${env("X")}` resolves to the variable instead of sending "Bearer [object Object]"', () => {
    const def = {
      id: 'leads',
      trigger: webhook({ path: 'leads', auth: { header: 'x-secret', secret: `s-${env('HOOK_SECRET')}` } }),
      steps: [{ id: 'a', map: { auth: `Bearer ${env('API_TOKEN')}`, region: `${env('REGION', 'eu')}-1` } }],
    }
    const p = compilePipeline(def, { format: 'ts', env: { API_TOKEN: 'tok-123', HOOK_SECRET: 'h' } })
    const step = p.steps[0] as { value: (s: never) => unknown }
    expect(step.value({} as never)).toEqual({ auth: 'Bearer tok-123', region: 'eu-1' })
    expect((p.trigger.options as { auth: { secret: string } }).auth.secret).toBe('s-h')
    expect(problems(() => compilePipeline(def, { format: 'ts', file: 'pipelines/leads.ts', env: { HOOK_SECRET: 'h' } }))).toEqual([
      'pipelines/leads.ts, pipeline leads: environment variable API_TOKEN is not set',
    ])
  })

  it('an env() name a placeholder cannot carry is reported, not sent', () => {
    const out = problems(() =>
      compilePipeline(
        {
          id: 'leads',
          trigger: webhook({ path: 'leads', auth: { scheme: 'none' } }),
          steps: [{ id: 'a', map: `Bearer ${env('api-token')}` }],
        },
        { format: 'ts', file: 'pipelines/leads.ts', env: { 'api-token': 'x' } },
      ),
    )
    expect(out).toEqual([
      'pipelines/leads.ts, pipeline leads, field steps[0].map: env("api-token") inside a template string cannot be resolved: the variable name must be upper-case letters, digits and _, and its fallback may not contain "}"',
    ])
  })

  it('a TypeScript pipeline file using env() in a header template loads with the value', async () => {
    const t = tempDir('pw-strict-ts-')
    try {
      mkdirSync(join(t.dir, 'pipelines'))
      writeFileSync(
        join(t.dir, 'pipelines', 'leads.ts'),
        `import { definePipeline, webhook, env } from 'pipewright'
import { http } from 'pipewright/connectors'
export default definePipeline({
  id: 'leads',
  trigger: webhook({ path: 'leads', auth: { scheme: 'none' } }),
  steps: [{ id: 'post', action: http.request({ url: 'https://example.com/in', method: 'POST', headers: { authorization: \`Bearer \${env('CRM_TOKEN')}\` } }) }],
})
`,
      )
      const [p] = await loadPipelines(join(t.dir, 'pipelines'), { env: { CRM_TOKEN: 'tok-9' }, cwd: t.dir })
      const step = p!.steps[0] as unknown as { params: (s: never) => { headers: Record<string, string> } }
      expect(step.params({} as never).headers.authorization).toBe('Bearer tok-9')
    } finally {
      t.cleanup()
    }
  })
})

describe('pipewright validate: credentials per pipeline and --strict', () => {
  function project() {
    const t = tempDir('pw-strict-cli-')
    mkdirSync(join(t.dir, 'pipelines'))
    writeFileSync(
      join(t.dir, 'pipelines', 'crm.yaml'),
      `id: crm
trigger:
  webhook: { path: crm, auth: { scheme: none } }
steps:
  - id: contact
    action: hubspot.contacts.upsert
    with: { matchOn: email, properties: { email: "{{ event.email }}" } }
  - id: notify
    action: slack.postMessage
    connection: ops
    with: { channel: "#x", text: hi }
  - id: post
    action: http.request
    with: { url: "https://example.com" }
`,
    )
    return t
  }

  it('warns about each connection with no credentials, and fails only with --strict', async () => {
    const t = project()
    try {
      const plain = recordingIo(t.dir)
      expect(await main(['validate'], plain)).toBe(0)
      expect(plain.stderr).toEqual([
        'warning: pipelines/crm.yaml, pipeline crm, step contact, field connection: no credentials for hubspot: set HUBSPOT_TOKEN or add connections/hubspot.yaml (docs/connections.md); the first event would fail at this step',
        'warning: pipelines/crm.yaml, pipeline crm, step notify, field connection: no connection "slack:ops": add it to connections/ (docs/connections.md); the first event would fail at this step',
      ])
      const strict = recordingIo(t.dir)
      expect(await main(['validate', '--strict'], strict)).toBe(1)
      expect(strict.stderr.at(-1)).toBe('--strict: 2 warnings fail validation')
      const json = recordingIo(t.dir, { HUBSPOT_TOKEN: 'pat-x' })
      expect(await main(['validate', '--strict', '--json'], json)).toBe(1)
      const out = JSON.parse(json.stdout.join('\n'))
      expect(out.ok).toBe(false)
      expect(out.warnings.map((w: { step: string }) => w.step)).toEqual(['notify'])
    } finally {
      t.cleanup()
    }
  })

  it('a connection in connections/ whose credential variable is unset is reported with the reason', async () => {
    const t = project()
    try {
      mkdirSync(join(t.dir, 'connections'))
      writeFileSync(join(t.dir, 'connections', 'slack.yaml'), 'id: slack:ops\ncredential: { env: SLACK_OPS_TOKEN }\n')
      const io = recordingIo(t.dir, { HUBSPOT_TOKEN: 'pat-x' })
      expect(await main(['validate', '--strict'], io)).toBe(1)
      expect(io.stderr[0]).toBe(
        'warning: pipelines/crm.yaml, pipeline crm, step notify, field connection: connection "slack:ops" is not usable: environment variable SLACK_OPS_TOKEN is not set; the first event would fail at this step',
      )
      const set = recordingIo(t.dir, { HUBSPOT_TOKEN: 'pat-x', SLACK_OPS_TOKEN: 'xoxb-1' })
      expect(await main(['validate', '--strict'], set), set.stderr.join('\n')).toBe(0)
    } finally {
      t.cleanup()
    }
  })
})
