/**
 * HubSpot webhooks with `normalize: 'hubspot'`: a v3-signed JSON array becomes one normalised
 * event (and run) per element, ready to nudge a sync; a forged or unsigned request is refused.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { webhook } from '../src/pipeline/define.js'
import { createServer } from '../src/server/app.js'
import { signHubSpotV3 } from '../src/triggers/auth/index.js'
import { compile, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const SECRET = 'hubspot-app-client-secret'
const PUBLIC = 'https://hooks.example.com'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function setup() {
  const tmp = tempDir('pw-hshook-')
  const store = sqliteStore(tmp.dir)
  const pipelines = [
    compile({
      id: 'hs',
      trigger: webhook({ path: 'hubspot', normalize: 'hubspot', auth: { scheme: 'hubspot-v3', secret: SECRET, publicBaseUrl: PUBLIC } }),
      steps: [{ id: 'seen', map: ({ event }) => event }],
    }),
  ]
  const hub = await startHub({ pipelines, store, actions: new ScriptedActions() })
  const server = await createServer(hub, { port: 0 })
  const base = await server.listen()
  cleanups.push(
    tmp.cleanup,
    () => hub.close({ deadlineMs: 1000 }),
    () => server.close(),
  )
  return { hub, base }
}

const events = [
  {
    eventId: 1,
    subscriptionId: 5,
    portalId: 62515,
    appId: 9,
    occurredAt: 1767225600000,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 501,
    changeSource: 'CRM',
    propertyName: 'hs_email_optout',
    propertyValue: 'true',
  },
  {
    eventId: 2,
    subscriptionId: 6,
    portalId: 62515,
    appId: 9,
    occurredAt: 1767225600500,
    subscriptionType: 'company.creation',
    attemptNumber: 0,
    objectId: 77,
    changeSource: 'CRM',
  },
  {
    eventId: 3,
    subscriptionId: 7,
    portalId: 62515,
    appId: 9,
    occurredAt: 1767225601000,
    subscriptionType: 'deal.deletion',
    attemptNumber: 0,
    objectId: 900,
    changeSource: 'CRM',
  },
]

describe('HubSpot webhooks in (normalize: hubspot)', () => {
  it('turns a signed batch into one normalised event per element', async () => {
    const { hub, base } = await setup()
    const body = JSON.stringify(events)
    const headers = { 'content-type': 'application/json', ...signHubSpotV3(SECRET, 'POST', `${PUBLIC}/hooks/hubspot`, body, Date.now()) }
    const res = await fetch(`${base}/hooks/hubspot`, { method: 'POST', headers, body })
    expect(res.status).toBe(202)
    const { runs } = (await res.json()) as { runs: Array<{ eventId: string }> }
    const payloads = await Promise.all(runs.map(async (r) => (await hub.store.getEvent(r.eventId))?.payload))
    expect(payloads).toMatchObject([
      { provider: 'hubspot', object: 'contacts', recordId: '501', change: 'updated', property: 'hs_email_optout', value: 'true' },
      { object: 'companies', recordId: '77', change: 'created' },
      { object: 'deals', recordId: '900', change: 'deleted' },
    ])
    // HubSpot retries the whole batch: every event is recognised.
    const again = await fetch(`${base}/hooks/hubspot`, { method: 'POST', headers, body })
    expect(again.status).toBe(200)
  })

  it('refuses a forged or unsigned batch and stores nothing', async () => {
    const { hub, base } = await setup()
    const body = JSON.stringify(events)
    const forged = signHubSpotV3('not-the-secret', 'POST', `${PUBLIC}/hooks/hubspot`, body, Date.now())
    for (const headers of [forged, {}]) {
      const res = await fetch(`${base}/hooks/hubspot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      })
      expect(res.status).toBe(401)
    }
    expect(await hub.store.listRuns({})).toEqual([])
  })

  it('answers 400 naming the element for an unknown subscription type', async () => {
    const { base } = await setup()
    const body = JSON.stringify([events[0], { ...events[1], subscriptionType: 'widget.explode' }])
    const headers = { 'content-type': 'application/json', ...signHubSpotV3(SECRET, 'POST', `${PUBLIC}/hooks/hubspot`, body, Date.now()) }
    const res = await fetch(`${base}/hooks/hubspot`, { method: 'POST', headers, body })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('[1].subscriptionType')
  })
})
