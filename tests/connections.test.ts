/**
 * Connections as configuration: two HubSpot accounts defined in `connections/*.yaml`, each with
 * its own credential and plan limits, used by one pipeline through the real runtime against two
 * HubSpot emulators; the loader's messages for mistakes; the documented example budgets.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findConnection, listConnections } from '../src/connections/index.js'
import { loadConnections } from '../src/connections/registry.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import type { HubspotState } from '../src/connectors/hubspot/emulator-state.js'
import { hubspot } from '../src/connectors/hubspot/index.js'
import { builtinConnectors } from '../src/connectors/registry.js'
import { ConfigError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import type { EmulatorServer } from '../src/sandbox/index.js'
import { compile, eventually, tempDir } from './helpers/engine.js'
import { LOOPBACK_ALLOWED } from './helpers/net.js'

let tmp: ReturnType<typeof tempDir>
let runtime: Runtime | null = null
const emulators: EmulatorServer<HubspotState>[] = []

beforeEach(() => {
  tmp = tempDir('pw-connections-')
  mkdirSync(join(tmp.dir, 'connections'))
})
afterEach(async () => {
  await runtime?.close(3000)
  runtime = null
  for (const e of emulators.splice(0)) await e.close()
  tmp.cleanup()
})

function write(name: string, text: string) {
  writeFileSync(join(tmp.dir, 'connections', name), text)
}

describe('two HubSpot connections with different limits in one pipeline', () => {
  it('paces each account by its own plan and sends each its own token', async () => {
    // Account "small" allows 2 searches a second; "big" the default 5.
    const small = hubspotEmulator({ tokens: ['pat-small'], searchPerSecond: 2 })
    const big = hubspotEmulator({ tokens: ['pat-big'] })
    emulators.push(small, big)
    await Promise.all([small.listen(), big.listen()])
    write(
      'hubspot.yaml',
      `connections:
  - id: hubspot:small
    credential: { env: HUBSPOT_SMALL_TOKEN }
    baseUrl: ${small.url}
    plan:
      name: starter-search
      rates: [{ name: search, limit: 2, per: 1500ms, actions: [search] }]
    owner: revops@example.com
    tags: [crm]
  - id: hubspot:big
    credential: { env: HUBSPOT_BIG_TOKEN }
    baseUrl: ${big.url}
    plan: professional
`,
    )
    const search = (connection: string) =>
      hubspot.search(
        { objectType: 'companies', filters: ({ event }: any) => [{ propertyName: 'domain', operator: 'EQ', value: event.domain }] },
        connection,
      )
    runtime = await createRuntime({
      cwd: tmp.dir,
      env: { HUBSPOT_SMALL_TOKEN: 'pat-small', HUBSPOT_BIG_TOKEN: 'pat-big' },
      allowPrivateNetwork: LOOPBACK_ALLOWED,
      pipelines: [
        compile({
          id: 'both',
          trigger: manual(),
          steps: [
            { id: 'inSmall', action: search('small') },
            { id: 'inBig', action: search('hubspot:big') },
          ],
        }),
      ],
      databaseUrl: `sqlite:${tmp.dir}/pw.db`,
      logLevel: 'silent',
    })
    const waits: Array<Record<string, unknown>> = []
    runtime.hub.events.on('connector:rateLimited', (e) => waits.push(e))
    await runtime.hub.ingest(
      'both',
      [0, 1, 2, 3].map((i) => ({ payload: { domain: `d${i}.example` } })),
    )
    const rt = runtime
    await eventually(async () => ((await rt.hub.store.countRuns({ pipelineId: 'both' })).succeeded === 4 ? true : null), 30_000)

    // The small account's plan kept it under its limit: paced by us, never refused by HubSpot.
    expect(small.requests().filter((r) => r.path.endsWith('/search'))).toHaveLength(4)
    expect(small.requests().filter((r) => r.status === 429)).toEqual([])
    expect(waits.filter((w) => w.connection === 'small').length).toBeGreaterThan(0)
    expect(waits.filter((w) => w.connection === 'big')).toEqual([])
    // Each account saw only its own token.
    expect(new Set(small.requests().map((r) => r.headers.authorization))).toEqual(new Set(['Bearer pat-small']))
    expect(new Set(big.requests().map((r) => r.headers.authorization))).toEqual(new Set(['Bearer pat-big']))

    const info = findConnection(runtime, 'hubspot:small')!
    expect(info).toMatchObject({ service: 'hubspot', name: 'small', plan: 'starter-search', owner: 'revops@example.com', active: true })
    expect(info.rates.find((r) => r.name === 'search')).toMatchObject({ limit: 2, windowMs: 1500 })
    expect(info.credential).toEqual({ kind: 'env', name: 'HUBSPOT_SMALL_TOKEN', status: 'present' })
    expect(findConnection(runtime, 'hubspot', 'big')!.rates.find((r) => r.name === 'ten-secondly')?.limit).toBe(190)
    expect(JSON.stringify(listConnections(runtime))).not.toContain('pat-small')
  }, 40_000)
})

describe('loading connections', () => {
  const load = (env: Record<string, string> = {}) => loadConnections({ cwd: tmp.dir, env, connectors: builtinConnectors() })
  const problems = async (env: Record<string, string> = {}) => {
    try {
      await load(env)
    } catch (e) {
      if (e instanceof ConfigError) return e.problems
      throw e
    }
    return []
  }

  it('names the file and field of each mistake', async () => {
    write('a.yaml', 'id: hubspot:main\ncredential: { env: X }\ntoken: pat-oops\n')
    write('b.yaml', 'id: HubSpot main\n')
    write('e.yaml', 'id: make:ops\nbudgets: [{ name: operations, period: weekly, limit: 10 }]\n')
    const text = (found: { file?: string; field?: string; message: string }[]) => found.map((p) => `${p.file} ${p.field}: ${p.message}`)
    expect(text(await problems({ X: 'pat-1' }))).toEqual([
      'connections/a.yaml (root): unknown key "token"; connector settings go under "settings"',
      'connections/b.yaml id: must be "<service>:<name>", e.g. "hubspot:main"',
      expect.stringMatching(/^connections\/e\.yaml budgets\.0\.period: .*"day"\|"month"\|"lifetime"/),
    ])
    // Once the files are well-formed: what only the connectors can tell.
    for (const f of ['a', 'b', 'e']) rmSync(join(tmp.dir, 'connections', `${f}.yaml`))
    write('c.yaml', 'id: hubspot:pro\ncredential: { env: X }\nplan: platinum\n')
    write('d.yaml', 'id: nosuch:main\n')
    write('f.yaml', 'id: mailchimp:main\ncredential: { env: X }\n')
    expect(text(await problems({ X: 'pat-1' }))).toEqual([
      expect.stringMatching(/^connections\/c\.yaml plan: unknown plan "platinum" of hubspot; known: starter, professional/),
      expect.stringMatching(/^connections\/d\.yaml id: unknown service "nosuch"/),
      expect.stringMatching(/^connections\/f\.yaml settings\.apiKey: Mailchimp API keys end with their data centre/),
    ])
  })

  it('reports an id defined twice with both files', async () => {
    write('a.yaml', 'id: slack:ops\ncredential: { env: S }\n')
    write('b.yaml', 'id: slack:ops\ncredential: { env: S }\n')
    expect((await problems({ S: 'xoxb-1' }))[0]).toMatchObject({
      file: 'connections/b.yaml',
      message: expect.stringContaining('connections/a.yaml'),
    })
  })

  it('keeps a connection whose credential is missing out of the gateway, with the reason', async () => {
    write('a.yaml', 'id: hubspot:main\ncredential: { env: HUBSPOT_MAIN_TOKEN }\n')
    const { raw, registry } = await load()
    expect(raw.hubspot?.main).toBeUndefined()
    expect(registry.get('hubspot:main')).toMatchObject({
      active: false,
      problem: 'environment variable HUBSPOT_MAIN_TOKEN is not set',
      credential: { kind: 'env', name: 'HUBSPOT_MAIN_TOKEN', status: 'missing' },
    })
  })

  it('keeps the environment as the default connection unless a file defines <service>:default', async () => {
    let { registry } = await load({ HUBSPOT_TOKEN: 'pat-env' })
    expect(registry.get('hubspot')).toMatchObject({ source: { kind: 'env' }, credential: { kind: 'env', name: 'HUBSPOT_TOKEN' } })
    write('a.yaml', 'id: hubspot:default\ncredential: { env: OTHER }\nplan: enterprise\n')
    ;({ registry } = await load({ HUBSPOT_TOKEN: 'pat-env', OTHER: 'pat-file' }))
    expect(registry.get('hubspot')).toMatchObject({ source: { kind: 'file', file: 'connections/a.yaml' }, plan: 'enterprise' })
  })

  it('loads defineConnection values from TypeScript', async () => {
    write(
      'crm.ts',
      `import { defineConnection } from 'pipewright'\nexport default defineConnection({ id: 'http:crm-api', baseUrl: 'https://crm.example.com/api', credential: { env: 'CRM_TOKEN' }, allowPrivateNetwork: ['10.0.0.0/8'] })\n`,
    )
    const { raw, registry } = await load({ CRM_TOKEN: 'crm-secret' })
    expect(raw.http?.['crm-api']).toMatchObject({ baseUrl: 'https://crm.example.com/api', auth: { type: 'bearer', token: 'crm-secret' } })
    expect(registry.get('http:crm-api')).toMatchObject({ allowPrivateNetwork: ['10.0.0.0/8'], active: true })
  }, 90_000)

  it('accepts every example of docs/connections.md', async () => {
    const doc = readFileSync(new URL('../docs/connections.md', import.meta.url), 'utf8')
    const blocks = [...doc.matchAll(/```yaml\n# connections\/([\w.-]+)\n([\s\S]*?)```/g)]
    expect(blocks.length).toBeGreaterThanOrEqual(4)
    for (const [, file, text] of blocks) write(file!, text!)
    const env = Object.fromEntries([...doc.matchAll(/env: ([A-Z0-9_]+)/g)].map(([, v]) => [v!, `v-${v}`]))
    env.SMTP_URL = 'smtp://user:pass@smtp.example.com:587'
    const { registry, raw } = await load(env)
    const budgets = Object.fromEntries(registry.list().map((c) => [c.id, c.budgets]))
    expect(budgets['make:ops']).toContainEqual({ name: 'operations', period: 'month', limit: 10_000 })
    expect(budgets['clay:enrichment']).toContainEqual(expect.objectContaining({ name: 'credits', period: 'month' }))
    expect(budgets['ga4:site']).toContainEqual(expect.objectContaining({ name: 'events', period: 'month' }))
    // All active; the one whose credential is in the store is not checked (no store is open here,
    // as in `validate`) and not handed to a gateway.
    expect(registry.list().filter((c) => !c.active)).toEqual([])
    expect(registry.get('hubspot:sandbox')?.credential).toEqual({ kind: 'stored', name: 'hubspot-sandbox', status: 'unchecked' })
    expect(raw.hubspot?.sandbox).toBeUndefined()
  })
})
