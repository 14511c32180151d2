/**
 * Governance over HTTP (issue 21 part 6): named API tokens with admin or read-only scope
 * (a read-only token gets 403 on every state change and changes nothing), pause/resume through
 * /api/v1 keeping events, and audit entries naming the token that acted.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ConfigError } from '../src/errors.js'
import { webhook } from '../src/pipeline/define.js'
import { parseApiTokens, parseApiTokensFile } from '../src/server/api-tokens.js'
import { createServer } from '../src/server/app.js'
import { compile, eventually, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const ADMIN = 'a'.repeat(40)
const CI = 'c'.repeat(40)
const READ = 'r'.repeat(40)

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function setup() {
  const t = tempDir('pw-gov-api-')
  cleanups.push(t.cleanup)
  const pipelines = [
    compile({
      id: 'leads',
      trigger: webhook({ path: 'leads', auth: { scheme: 'none' } }),
      steps: [{ id: 'a', map: ({ event }) => event.n }],
    }),
    compile({
      id: 'fails',
      trigger: webhook({ path: 'fails', auth: { scheme: 'none' } }),
      retry: { maxAttempts: 1 },
      steps: [
        {
          id: 'a',
          code: () => {
            throw new Error('boom')
          },
        },
      ],
    }),
  ]
  const hub = await startHub({ pipelines, store: sqliteStore(t.dir), pauseRefreshMs: 50 })
  const server = await createServer(hub, {
    port: 0,
    apiToken: ADMIN,
    apiTokens: parseApiTokens(`ci:admin:${CI}, grafana:read:${READ}`),
  })
  const base = await server.listen()
  cleanups.push(
    () => hub.close({ deadlineMs: 1000 }),
    () => server.close(),
  )
  const call = async (method: string, path: string, token: string | null, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as any }
  }
  return { hub, call }
}

describe('named API tokens', () => {
  it('a read-only token reads but every state change is refused with 403 and changes nothing', async () => {
    const { hub, call } = await setup()
    expect((await call('GET', '/api/v1/pipelines', READ)).status).toBe(200)
    expect((await call('GET', '/api/v1/audit', READ)).status).toBe(200)
    const refused = await call('POST', '/api/v1/pipelines/leads/pause', READ, {})
    expect(refused).toEqual({
      status: 403,
      body: { error: { code: 'PW_FORBIDDEN', message: 'token grafana is read-only; this request changes state and needs an admin token' } },
    })
    expect(JSON.stringify(refused.body)).not.toContain(READ)
    expect(await hub.store.pauses.list()).toEqual([])
    expect((await call('POST', '/api/v1/dead-letters/replay', READ, { filter: { pipeline: 'fails' } })).status).toBe(403)
    expect((await call('GET', '/api/v1/pipelines', 'x'.repeat(40))).status).toBe(401)
    expect(await hub.store.audit.list()).toEqual([])
  })

  it('pause and resume through the API keep the events, and each action is audited with the token name', async () => {
    const { hub, call } = await setup()
    const paused = await call('POST', '/api/v1/pipelines/leads/pause', CI, { reason: 'migration' })
    expect(paused.status).toBe(200)
    expect(paused.body).toMatchObject({ pipeline: 'leads', paused: true, changed: true, pausedBy: 'token:ci' })
    expect(hub.isPaused('leads')).toBe(true)
    expect((await call('GET', '/api/v1/paused', READ)).body.paused).toEqual([
      expect.objectContaining({ kind: 'pipeline', id: 'leads', pausedBy: 'token:ci', reason: 'migration' }),
    ])
    const hook = await call('POST', '/hooks/leads', null, { n: 7 })
    expect(hook.status).toBe(202)
    await hub.sweep()
    // leased at intake, handed back at once because the pipeline is paused: it waits, queued
    await eventually(async () => (await hub.store.getRun(hook.body.runId))?.status === 'queued', 15_000)
    expect(await hub.store.getSteps(hook.body.runId)).toEqual([])
    expect((await call('POST', '/api/v1/pipelines/nope/pause', CI, {})).status).toBe(404)

    const resumed = await call('POST', '/api/v1/pipelines/leads/resume', ADMIN, {})
    expect(resumed.body).toEqual({ pipeline: 'leads', paused: false, changed: true })
    await eventually(async () => (await hub.store.getRun(hook.body.runId))?.status === 'succeeded', 10_000)

    const dead = await call('POST', '/hooks/fails', null, {})
    await eventually(async () => (await hub.store.getRun(dead.body.runId))?.status === 'dead', 10_000)
    const replay = await call('POST', `/api/v1/dead-letters/${dead.body.runId}/replay`, CI, {})
    expect(replay.body.replayed).toHaveLength(1)
    const again = replay.body.replayed[0].newRunId as string
    await eventually(async () => (await hub.store.getRun(again))?.status === 'dead', 10_000)
    expect((await call('POST', `/api/v1/dead-letters/${again}/discard`, CI, {})).status).toBe(200)

    const audit = await call('GET', '/api/v1/audit', READ)
    expect(audit.body.entries.map((e: any) => [e.actor, e.action, e.target])).toEqual([
      ['token:ci', 'discard', `run:${again}`],
      ['token:ci', 'replay', `run:${dead.body.runId}`],
      ['token:default', 'resume', 'pipeline:leads'],
      ['token:ci', 'pause', 'pipeline:leads'],
    ])
    expect(audit.body.entries[3].details).toEqual({ reason: 'migration' })
    const page = await call('GET', `/api/v1/audit?limit=1&before=${audit.body.entries[1].id}&actor=token:ci`, READ)
    expect(page.body.entries.map((e: any) => e.action)).toEqual(['pause'])
    expect((await call('GET', '/api/v1/audit?limit=0', READ)).status).toBe(400)
  })
})

describe('token configuration', () => {
  it('parses the env list and the YAML file, and reports mistakes without showing any token', () => {
    expect(parseApiTokens(`ci:admin:${CI}\ngrafana:read:${READ}`).map((t) => [t.name, t.scope])).toEqual([
      ['ci', 'admin'],
      ['grafana', 'read'],
    ])
    expect(parseApiTokensFile(`- { name: ci, scope: admin, token: "${CI}" }`).map((t) => t.name)).toEqual(['ci'])
    const mistakes = (text: string) => {
      try {
        parseApiTokens(text)
      } catch (e) {
        return (e as ConfigError).problems.map((p) => `${p.field}: ${p.message}`)
      }
      return []
    }
    expect(mistakes(`ci:owner:${CI}`)).toEqual(['PIPEWRIGHT_API_TOKENS[0]: token ci: scope must be admin or read (got "owner")'])
    expect(mistakes('ci:admin:short')).toEqual([
      'PIPEWRIGHT_API_TOKENS (token ci): is 5 character(s) long; an API token needs at least 32 characters without spaces (generate one with `openssl rand -hex 32`)',
    ])
    expect(mistakes(`a:admin:${CI},a:read:${READ}`)).toEqual(['PIPEWRIGHT_API_TOKENS[1]: token name a is used twice'])
    expect(mistakes(`a:admin:${CI},b:read:${CI}`)).toEqual(['PIPEWRIGHT_API_TOKENS[1]: token b has the same value as another token'])
    expect(JSON.stringify([mistakes(`ci:owner:${CI}`), mistakes(`a:admin:${CI},b:read:${CI}`)])).not.toContain(CI)
  })

  it('needs an admin token when only named tokens are configured', async () => {
    const t = tempDir('pw-gov-cfg-')
    cleanups.push(t.cleanup)
    const hub = await startHub({ pipelines: [], store: sqliteStore(t.dir) })
    cleanups.push(() => hub.close({ deadlineMs: 100 }))
    await expect(createServer(hub, { port: 0, apiTokens: parseApiTokens(`grafana:read:${READ}`) })).rejects.toThrow(
      /PIPEWRIGHT_API_TOKENS: needs at least one admin token/,
    )
  })
})
