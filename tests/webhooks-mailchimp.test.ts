/**
 * Mailchimp webhooks into a hub over HTTP: the GET URL check, the secret in a query key or the
 * last path segment, form-encoded bodies normalised into events with their consent, and
 * forged or unsigned POSTs refused with nothing stored.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Hub } from '../src/engine/hub.js'
import { webhook } from '../src/pipeline/define.js'
import type { WebhookTriggerOptions } from '../src/pipeline/types.js'
import { createServer, type PipewrightServer } from '../src/server/app.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const SECRET = 'mc-hook-secret-1'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function setup(triggers: WebhookTriggerOptions[]): Promise<{ hub: Hub; server: PipewrightServer; base: string }> {
  const tmp = tempDir('pw-mchook-')
  const store = sqliteStore(tmp.dir)
  const pipelines = triggers.map((t, i) =>
    compile({ id: `p${i}`, trigger: webhook(t), steps: [{ id: 'seen', map: ({ event }) => event }] }),
  )
  const hub = await startHub({ pipelines, store, actions: new ScriptedActions() })
  const server = await createServer(hub, { port: 0 })
  const base = await server.listen()
  cleanups.push(
    tmp.cleanup,
    () => hub.close({ deadlineMs: 1000 }),
    () => server.close(),
  )
  return { hub, server, base }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const unsubscribe = new URLSearchParams({
  type: 'unsubscribe',
  fired_at: '2026-03-26 21:40:57',
  'data[action]': 'unsub',
  'data[reason]': 'manual',
  'data[id]': '8a25ff1d98',
  'data[list_id]': 'a6b5da1054',
  'data[email]': 'Ann@Acme.com',
  'data[email_type]': 'html',
  'data[merges][EMAIL]': 'Ann@Acme.com',
  'data[merges][FNAME]': 'Ann',
  'data[ip_opt]': '10.20.10.30',
  'data[campaign_id]': 'cb398d21d2',
}).toString()

const mailchimp: WebhookTriggerOptions = {
  path: 'mailchimp',
  normalize: 'mailchimp',
  auth: { scheme: 'url-secret', secret: [SECRET, 'old-secret'] },
}

describe('Mailchimp webhooks in', () => {
  it('answers the GET URL check with 200 when the secret is right (query or path), 401 when not, 404 elsewhere', async () => {
    const { base } = await setup([mailchimp, { path: 'plain', auth: { header: 'x-s', secret: 's' } }])
    expect((await fetch(`${base}/hooks/mailchimp?secret=${SECRET}`)).status).toBe(200)
    expect((await fetch(`${base}/hooks/mailchimp/${SECRET}`)).status).toBe(200)
    expect((await fetch(`${base}/hooks/mailchimp?secret=old-secret`)).status).toBe(200)
    expect((await fetch(`${base}/hooks/mailchimp?secret=nope`)).status).toBe(401)
    expect((await fetch(`${base}/hooks/mailchimp`)).status).toBe(401)
    expect((await fetch(`${base}/hooks/mailchimp/nope`)).status).toBe(401)
    const plain = await fetch(`${base}/hooks/plain`)
    expect(plain.status).toBe(405)
    expect(plain.headers.get('allow')).toBe('POST')
    expect((await fetch(`${base}/hooks/nowhere`)).status).toBe(404)
  })

  it('stores a form-encoded unsubscribe as one normalised event carrying the opt-out', async () => {
    const { hub, base } = await setup([mailchimp])
    const res = await fetch(`${base}/hooks/mailchimp?secret=${SECRET}`, { method: 'POST', headers: FORM, body: unsubscribe })
    expect(res.status).toBe(202)
    const { runId, eventId } = (await res.json()) as { runId: string; eventId: string }
    const event = await hub.store.getEvent(eventId)
    expect(event?.payload).toMatchObject({
      provider: 'mailchimp',
      type: 'unsubscribe',
      email: 'ann@acme.com',
      listId: 'a6b5da1054',
      firedAt: Date.parse('2026-03-26T21:40:57Z'),
      mergeFields: { FNAME: 'Ann' },
      consent: { state: 'unsubscribed', source: 'mailchimp:a6b5da1054', evidence: { reason: 'manual', campaign_id: 'cb398d21d2' } },
    })
    expect(JSON.stringify(event)).not.toContain(SECRET)
    expect(await eventually(async () => (await hub.store.getRun(runId))?.status === 'succeeded')).toBe(true)
    // Mailchimp retries a delivery it thinks failed: the same event is recognised.
    const again = await fetch(`${base}/hooks/mailchimp/${SECRET}`, { method: 'POST', headers: FORM, body: unsubscribe })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ duplicate: true, runId })
  })

  it('refuses forged and unsigned POSTs with 401 and stores nothing', async () => {
    const { hub, base } = await setup([mailchimp])
    for (const url of [
      `/hooks/mailchimp`,
      `/hooks/mailchimp?secret=guess`,
      `/hooks/mailchimp/guess`,
      `/hooks/mailchimp?secret=${SECRET}x`,
    ]) {
      const res = await fetch(base + url, { method: 'POST', headers: FORM, body: unsubscribe })
      expect(res.status, url).toBe(401)
      const body = (await res.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('PW_UNAUTHORIZED')
      expect(body.error.message).not.toContain(SECRET)
    }
    expect(await hub.store.listRuns({})).toEqual([])
  })

  it('answers 400 naming the field for a body that is not a Mailchimp event, 415 for JSON-less types', async () => {
    const { base } = await setup([mailchimp])
    const bad = await fetch(`${base}/hooks/mailchimp?secret=${SECRET}`, {
      method: 'POST',
      headers: FORM,
      body: 'type=resubscribe&fired_at=2026-03-26+21%3A40%3A57',
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('type must be one of subscribe')
    const csv = await fetch(`${base}/hooks/mailchimp?secret=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'a,b\n1,2',
    })
    expect(csv.status).toBe(415)
  })

  it('a pipeline with normalize needs an auth, and normalize cannot be combined with split', () => {
    expect(() => compile({ id: 'x', trigger: webhook({ path: 'm', normalize: 'mailchimp' }), steps: [] })).toThrow(
      /normalize: "mailchimp" needs auth: \{ scheme: "url-secret", secret \}/,
    )
    expect(() =>
      compile({ id: 'y', trigger: webhook({ path: 'h', normalize: 'hubspot', split: 'hubspot', auth: { scheme: 'none' } }), steps: [] }),
    ).toThrow(/split cannot be combined with normalize/)
  })
})
