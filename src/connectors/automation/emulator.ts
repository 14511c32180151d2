/**
 * Emulators of Make, n8n and Zapier webhook receivers, keeping every accepted body:
 * - Make: `POST /<hook id>` → 200 `Accepted` (text); its API's `GET /api/v2/scenarios?teamId=` (scenarios); optional `x-make-apikey`; 400 `Queue is
 *   full.` once `queueLimit` bodies wait; `failScenario` answers 400 `Scenario failed to complete.`
 * - n8n: `POST /webhook/<path>` and `/webhook-test/<path>` → 200 `{"message":"Workflow was
 *   started"}`; header or basic auth → 403 `Authorization data is wrong!`; unknown paths → 404
 *   `The requested webhook "POST <path>" is not registered.`
 * - Zapier: `POST /hooks/catch/<user>/<hook>/` → 200 `{attempt,id,request_id,status:"success"}`.
 * @module
 */
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { type EmulatorRequest, header, json, text } from '../../sandbox/reply.js'
import type { AutomationService } from './classify.js'

export interface AutomationState {
  received: Array<{ path: string; body: unknown; headers: EmulatorRequest['headers'] }>
}

export interface AutomationEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Make: required `x-make-apikey`. */
  apiKey?: string
  /** Make: bodies accepted before `Queue is full.` @defaultValue unlimited */
  queueLimit?: number
  /** Make: answer every call with `Scenario failed to complete.` */
  failScenario?: boolean
  /** Make API (`GET /api/v2/scenarios?teamId=`, `Authorization: Token <apiToken>`): the team's scenarios. */
  scenarios?: Array<{ id: number; name: string; teamId: number; isActive: boolean }>
  /** Make API token; any `Token …` when absent. */
  apiToken?: string
  /** n8n: registered webhook paths; any path when absent. */
  paths?: string[]
  /** n8n: header auth. */
  headerAuth?: { name: string; value: string }
  /** n8n: basic auth. */
  basicAuth?: { username: string; password: string }
}

export interface AutomationEmulator extends EmulatorServer<AutomationState> {
  received(): unknown[]
}

let seq = 0
const uuid = () => `00000000-0000-4000-8000-${(++seq).toString(16).padStart(12, '0')}`

export function automationEmulator(service: AutomationService, options: AutomationEmulatorOptions = {}): AutomationEmulator {
  const emu = createEmulator<AutomationState>({
    service,
    state: () => ({ received: [] }),
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: (_r, ms) =>
      service === 'make'
        ? text(429, 'Too many requests', { 'retry-after': String(Math.ceil(ms / 1000)) })
        : json(429, { status: 'error', message: 'Too many requests' }, { 'retry-after': String(Math.ceil(ms / 1000)) }),
    serverError: (_r, status) =>
      service === 'make' ? text(status, 'Internal Server Error') : json(status, { message: 'Internal Server Error' }),
  })
  const keep = (req: EmulatorRequest) => emu.state.received.push({ path: req.path, body: req.body, headers: req.headers })

  if (service === 'make') {
    emu.route('GET', '/api/v2/scenarios', (req) => {
      const auth = header(req, 'authorization') ?? ''
      if (!auth.startsWith('Token ') || (options.apiToken !== undefined && auth !== `Token ${options.apiToken}`))
        return json(401, { message: 'Access denied.', code: 'SC401' })
      const teamId = Number(req.query.get('teamId'))
      if (!Number.isInteger(teamId)) return json(400, { message: 'Validation failed.', code: 'IM004', detail: 'teamId is required' })
      const offset = Number(req.query.get('pg[offset]') ?? 0)
      const limit = Number(req.query.get('pg[limit]') ?? 10_000)
      const mine = (options.scenarios ?? []).filter((s) => s.teamId === teamId)
      return json(200, { scenarios: mine.slice(offset, offset + limit), pg: { sortBy: 'id', sortDir: 'asc', limit, offset } })
    })
    emu.route('POST', '/:hook', (req, ctx) => {
      if (options.apiKey !== undefined && header(req, 'x-make-apikey') !== options.apiKey) return text(401, 'Unauthorized')
      if (options.failScenario) return text(400, 'Scenario failed to complete.')
      if (options.queueLimit !== undefined && ctx.state.received.length >= options.queueLimit) return text(400, 'Queue is full.')
      keep(req)
      return text(200, 'Accepted')
    })
  } else if (service === 'n8n') {
    const handler = (req: EmulatorRequest) => {
      const path = req.params['*']
      if (options.paths && !options.paths.includes(path))
        return json(404, {
          code: 404,
          message: `The requested webhook "POST ${path}" is not registered.`,
          hint: "Click the 'Execute workflow' button on the canvas, then try again.",
        })
      if (options.headerAuth && header(req, options.headerAuth.name) !== options.headerAuth.value)
        return text(403, 'Authorization data is wrong!')
      if (options.basicAuth) {
        const expected = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`
        if (header(req, 'authorization') !== expected)
          return text(403, 'Authorization data is wrong!', { 'www-authenticate': 'Basic realm="Webhook"' })
      }
      keep(req)
      return json(200, { message: 'Workflow was started' })
    }
    emu.route('POST', '/webhook/*', handler)
    emu.route('POST', '/webhook-test/*', handler)
  } else {
    emu.route('POST', '/hooks/catch/:user/:hook', (req) => {
      keep(req)
      return json(200, { attempt: uuid(), id: uuid(), request_id: uuid(), status: 'success' })
    })
  }
  return Object.assign(emu, { received: () => emu.state.received.map((r) => r.body) })
}
