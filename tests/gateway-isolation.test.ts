/**
 * Per-origin isolation of `http.request` without a named connection: a host that answers 429
 * with a long Retry-After, or keeps failing until its circuit opens, does not hold calls to
 * another host. A named connection keeps one shared state for all its origins.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ActionCall } from '../src/connectors/contract.js'
import { createGateway, type Gateway } from '../src/connectors/gateway/index.js'
import { createHttpConnector } from '../src/connectors/http/index.js'
import { systemClock } from '../src/engine/clock.js'
import { ErrorCodes, isPipewrightError } from '../src/errors.js'
import type { Store } from '../src/store/contract.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { tempDir } from './helpers/engine.js'
import { loopbackGateway } from './helpers/net.js'

let tmp: ReturnType<typeof tempDir>
let store: Store
let gateway: Gateway
const servers: Server[] = []

/** A host answering with `reply` and counting requests. */
async function host(reply: (res: import('node:http').ServerResponse) => void) {
  const state = { hits: 0, url: '' }
  const server = createServer((_req, res) => {
    state.hits++
    reply(res)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return state
}

const ok = (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')

let n = 0
function call(url: string, connection?: string): ActionCall {
  n++
  return {
    ref: 'http.request',
    ...(connection ? { connection } : {}),
    input: { url, method: 'POST', json: { n } },
    runId: `run_${n}`,
    pipelineId: 'p',
    stepId: 's',
    attempt: 1,
    idempotencyKey: `run_${n}:s`,
    signal: new AbortController().signal,
  }
}

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p
  } catch (e) {
    return { code: isPipewrightError(e) ? e.code : undefined, message: (e as Error).message }
  }
  throw new Error('expected a failure')
}

beforeEach(async () => {
  tmp = tempDir('pw-isolation-')
  store = createSqliteStore({ path: join(tmp.dir, 'pw.db') })
  await store.migrate()
  gateway = createGateway({
    ...loopbackGateway,
    connectors: [createHttpConnector()],
    connections: { http: { default: {}, shared: {} } },
    store,
    clock: systemClock,
  })
})
afterEach(async () => {
  await gateway.close()
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
  await store.close()
  tmp.cleanup()
})

describe('http.request without a named connection', () => {
  it('a 429 with Retry-After at one host does not hold calls to another', async () => {
    const limited = await host((res) => res.writeHead(429, { 'retry-after': '30' }).end())
    const other = await host(ok)
    expect((await failure(gateway.execute(call(`${limited.url}/x`)))).message).toContain('429')
    const started = Date.now()
    expect(await gateway.execute(call(`${other.url}/y`))).toMatchObject({ status: 200 })
    expect(Date.now() - started).toBeLessThan(1000)
    // The limited host itself is still blocked: refused here, not sent.
    const again = await failure(gateway.execute(call(`${limited.url}/x`)))
    expect(again.code).toBe(ErrorCodes.RATE_LIMITED)
    expect(limited.hits).toBe(1)
  })

  it('a failing host opens its own circuit; another host keeps working', async () => {
    const down = await host((res) => res.writeHead(503).end('down'))
    const other = await host(ok)
    for (let i = 0; i < 5; i++) await failure(gateway.execute(call(`${down.url}/x`)))
    expect((await failure(gateway.execute(call(`${down.url}/x`)))).code).toBe(ErrorCodes.CIRCUIT_OPEN)
    expect(down.hits).toBe(5)
    expect(await gateway.execute(call(`${other.url}/y`))).toMatchObject({ status: 200 })
    expect(gateway.circuitStates()).toContainEqual(
      expect.objectContaining({ connector: 'http', connection: 'default', origin: down.url, state: 'open' }),
    )
  })

  it('a slow host does not delay another', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((r) => {
      release = r
    })
    const slow = await host((res) => void held.then(() => ok(res)))
    const fast = await host(ok)
    const pending = gateway.execute(call(`${slow.url}/x`))
    const started = Date.now()
    expect(await gateway.execute(call(`${fast.url}/y`))).toMatchObject({ status: 200 })
    expect(Date.now() - started).toBeLessThan(1000)
    release()
    expect(await pending).toMatchObject({ status: 200 })
  })

  it('a named connection shares one state across its origins', async () => {
    const limited = await host((res) => res.writeHead(429, { 'retry-after': '30' }).end())
    const other = await host(ok)
    await failure(gateway.execute(call(`${limited.url}/x`, 'shared')))
    expect((await failure(gateway.execute(call(`${other.url}/y`, 'shared')))).code).toBe(ErrorCodes.RATE_LIMITED)
    expect(other.hits).toBe(0)
  })
})
