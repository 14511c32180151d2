/**
 * `pipewright demo`: the seed recipe end to end against the sandbox. Starts the HubSpot, Slack
 * and Clay emulators in this process, starts Pipewright on the demo pipelines with a throw-away
 * database and connectors pointed at the emulators, posts Clay-style enrichment rows to its own
 * webhook, waits for every run to settle, and prints what landed in HubSpot and Slack, runs by
 * status and dead letters with their reasons. Keeps serving until Ctrl-C; `--exit` stops when
 * done and exits 0 only if the expected outcome happened.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { HubspotState } from '../../connectors/hubspot/emulator-state.js'
import { channelId, type SlackState } from '../../connectors/slack/emulator.js'
import { createRuntime } from '../../runtime.js'
import type { EmulatorServer } from '../../sandbox/index.js'
import type { DeadLetterRecord, RunStatus } from '../../types.js'
import { type CliIo, table } from '../io.js'
import { sandboxOverrides } from './sandbox.js'

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
/** The demo runs recipe (a) itself; the loader skips the recipe's test file. */
export const DEMO_PIPELINES = join(PACKAGE_ROOT, 'examples', 'clay-hubspot-slack')
const DEMO_PIPELINE = 'clay-hubspot-slack'
const DEMO_PATH = 'clay-enrichment'
const SECRET = 'demo-secret'
/** Channels that exist in the demo's Slack workspace; any other channel is `channel_not_found`. */
export const DEMO_CHANNELS = ['high-intent', 'general']

/**
 * Clay-style rows: two hot leads, a second lead of an existing company, a cold lead, an
 * invalid e-mail (filtered), a repeated delivery (duplicate), and a hot lead routed to a
 * channel the workspace does not have (dead letter: `channel_not_found`, permanent).
 */
export const DEMO_EVENTS = [
  {
    row_id: 'row-1',
    row_data: { name: 'ann lee', email: ' Ann.Lee@Acme.com ', website: 'https://www.acme.com/about', company: 'ACME, Inc.' },
    intent: 92,
    fit: 88,
  },
  {
    row_id: 'row-2',
    row_data: { name: 'Gil Globex', email: 'not-an-email', website: 'globex.com', company: 'Globex' },
    intent: 70,
    fit: 50,
  },
  {
    row_id: 'row-3',
    row_data: { name: 'Bob Porter', email: 'bob@initech.io', website: 'initech.io', company: 'Initech' },
    intent: 30,
    fit: 62,
  },
  {
    row_id: 'row-4',
    row_data: { name: 'Carla Díaz', email: 'carla@umbrella-corp.com', website: 'http://umbrella-corp.com', company: 'Umbrella Corp' },
    intent: 85,
    fit: 95,
  },
  { row_id: 'row-1', row_data: { name: 'ann lee', email: 'ann.lee@acme.com', website: 'acme.com', company: 'ACME' }, intent: 92, fit: 88 },
  {
    row_id: 'row-5',
    row_data: { name: 'Dev Patel', email: 'dev@acme.com', website: 'acme.com', company: 'ACME, Inc.' },
    intent: 40,
    fit: 70,
  },
  {
    row_id: 'row-6',
    row_data: {
      name: 'Bruce Wayne',
      email: 'bruce@wayne-enterprises.com',
      website: 'wayne-enterprises.com',
      company: 'Wayne Enterprises',
      alert_channel: '#high-intent-apac',
    },
    intent: 90,
    fit: 90,
  },
]

/** What `--exit` requires to return 0. */
export const DEMO_EXPECTED = { companies: 4, contacts: 5, messages: 2, succeeded: 4, filtered: 1, dead: 1, duplicates: 1 }

export async function demoCommand(io: CliIo, opts: { exit?: boolean; port?: string }): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), 'pipewright-demo-'))
  const sandbox = await sandboxOverrides(0, { services: ['hubspot', 'slack', 'clay'], options: { slack: { channels: DEMO_CHANNELS } } })
  let runtime: Awaited<ReturnType<typeof createRuntime>> | null = null
  try {
    runtime = await createRuntime({
      cwd: io.cwd,
      env: { ...io.env, CLAY_CALLBACK_SECRET: SECRET },
      connectionOverrides: sandbox.env,
      allowPrivateNetwork: sandbox.allowPrivateNetwork,
      pipelinesDir: DEMO_PIPELINES,
      databaseUrl: `sqlite:${join(tmp, 'demo.db')}`,
      server: true,
      host: '127.0.0.1',
      port: Number(opts.port ?? 0),
      logLevel: 'silent',
    })
    io.out(`Pipewright demo — serving on ${runtime.url}`)
    io.out(
      `sandbox: ${Object.entries(sandbox.urls)
        .map(([s, u]) => `${s} ${u}`)
        .join(' · ')}`,
    )
    io.out(`posting ${DEMO_EVENTS.length} Clay enrichment rows to ${runtime.url}/hooks/${DEMO_PATH}`)
    let duplicates = 0
    for (const event of DEMO_EVENTS) {
      const res = await fetch(`${runtime.url}/hooks/${DEMO_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
        body: JSON.stringify(event),
      })
      const body = (await res.json()) as { runId?: string; duplicate?: boolean }
      if (body.duplicate) duplicates++
      const what = body.duplicate ? `duplicate of ${body.runId}` : `accepted ${body.runId}`
      io.out(`  ${event.row_id.padEnd(6)} ${String(event.row_data.email).trim().padEnd(28)} → ${res.status} ${what}`)
    }
    const counts = await settle(runtime, 12_000)
    const dead = await runtime.hub.store.listDeadLetters({ pipelineId: DEMO_PIPELINE })
    const landed = report(io, sandbox.emulators, counts, dead, duplicates)
    io.out('')
    io.out(`inspect runs: ${runtime.url}/api/v1/runs  ·  dead letters: ${runtime.url}/api/v1/dead-letters  ·  dashboard: ${runtime.url}/`)
    const ok = matchesExpected({ ...landed, ...counts, duplicates }, dead)
    io.out(ok ? 'demo outcome: as expected' : `demo outcome: NOT as expected (wanted ${JSON.stringify(DEMO_EXPECTED)})`)
    if (!opts.exit) {
      io.out('serving until Ctrl-C…')
      await io.untilSignal()
    }
    return ok ? 0 : 1
  } finally {
    await runtime?.close(3000)
    await sandbox.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** Poll the store until no run is queued, running or waiting (or the deadline passes). */
async function settle(
  runtime: { hub: { store: { countRuns: (f: { pipelineId: string }) => Promise<Record<RunStatus, number>> } } },
  ms: number,
) {
  const deadline = Date.now() + ms
  let counts: Record<RunStatus, number>
  do {
    await new Promise((r) => setTimeout(r, 50))
    counts = await runtime.hub.store.countRuns({ pipelineId: DEMO_PIPELINE })
  } while (counts.queued + counts.running + counts.waiting > 0 && Date.now() < deadline)
  return counts
}

function report(
  io: CliIo,
  emulators: Record<string, unknown>,
  counts: Record<RunStatus, number>,
  dead: DeadLetterRecord[],
  duplicates: number,
): { companies: number; contacts: number; messages: number; unassociated: number } {
  const hs = (emulators.hubspot as EmulatorServer<HubspotState>).state
  const slack = (emulators.slack as EmulatorServer<SlackState>).state
  const companyOf = (contactId: string) => hs.associations.find((a) => a.fromType === 'contacts' && a.fromId === contactId)?.toId
  const companies = [...hs.objects.companies.values()]
  const contacts = [...hs.objects.contacts.values()]
  const names = new Map(DEMO_CHANNELS.map((c) => [channelId(c), `#${c}`]))
  io.out('')
  io.out(`HubSpot companies (${companies.length}):`)
  io.out(
    table(
      companies.map((c) => ({
        id: c.id,
        name: c.properties.name,
        domain: c.properties.domain,
        contacts: hs.associations.filter((a) => a.fromType === 'companies' && a.fromId === c.id).length,
      })),
      ['id', 'name', 'domain', 'contacts'],
    ),
  )
  io.out(`HubSpot contacts (${contacts.length}):`)
  io.out(
    table(
      contacts.map((c) => ({
        id: c.id,
        email: c.properties.email,
        name: [c.properties.firstname, c.properties.lastname].filter(Boolean).join(' '),
        company: companyOf(c.id),
      })),
      ['id', 'email', 'name', 'company'],
    ),
  )
  io.out(`Slack messages (${slack.messages.length}):`)
  io.out(
    table(
      slack.messages.map((m) => ({ channel: names.get(m.channel) ?? m.channel, text: m.text })),
      ['channel', 'text'],
    ),
  )
  const statuses = Object.entries(counts).filter(([, n]) => n > 0)
  io.out('')
  io.out(`runs: ${statuses.map(([s, n]) => `${n} ${s}`).join(', ')}; ${duplicates} repeated delivery answered as duplicate`)
  io.out(`dead letters (${dead.length}):`)
  if (dead.length)
    io.out(
      table(
        dead.map((d) => ({ run: d.runId, reason: d.reason, step: d.stepId, error: d.error?.message })),
        ['run', 'reason', 'step', 'error'],
      ),
    )
  return {
    companies: companies.length,
    contacts: contacts.length,
    messages: slack.messages.length,
    unassociated: contacts.filter((c) => !companyOf(c.id)).length,
  }
}

function matchesExpected(got: Record<string, number>, dead: DeadLetterRecord[]): boolean {
  const e = DEMO_EXPECTED
  return (
    got.companies === e.companies &&
    got.contacts === e.contacts &&
    got.unassociated === 0 &&
    got.messages === e.messages &&
    got.succeeded === e.succeeded &&
    got.filtered === e.filtered &&
    got.dead === e.dead &&
    got.duplicates === e.duplicates &&
    dead.length === 1 &&
    dead[0]!.reason === 'permanent' &&
    /channel_not_found/.test(dead[0]!.error?.message ?? '')
  )
}
