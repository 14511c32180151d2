/**
 * The GA4 Measurement Protocol emulator: `POST /mp/collect` answers 204 to everything, as
 * Google does (payloads that pass validation are kept in `events()`, the others in
 * `rejected()`); `POST /debug/mp/collect` answers 200 `{validationMessages:[…]}` with the
 * rules of rules.ts.
 * @module
 */
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { empty, json } from '../../sandbox/reply.js'
import { checkStructure, checkValues } from './rules.js'

export interface Ga4Hit {
  measurementId: string
  apiSecret: string
  body: Record<string, unknown>
}

export interface Ga4State {
  accepted: Ga4Hit[]
  rejected: Ga4Hit[]
}

export interface Ga4EmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Known `measurement_id` → `api_secret`; hits with other pairs are dropped (still 204). */
  streams?: Record<string, string>
}

export interface Ga4Emulator extends EmulatorServer<Ga4State> {
  events(): Array<{ name: string; params: Record<string, unknown>; clientId: string }>
}

export function ga4Emulator(options: Ga4EmulatorOptions = {}): Ga4Emulator {
  const emu = createEmulator<Ga4State>({
    service: 'ga4',
    state: () => ({ accepted: [], rejected: [] }),
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: () => empty(429),
    serverError: (_r, status) => empty(status),
  })
  const problems = (body: unknown) => {
    if (typeof body !== 'object' || body === null)
      return [{ fieldPath: '', description: 'Unable to parse the request body as JSON.', validationCode: 'VALUE_INVALID' as const }]
    return [...checkStructure(body as never), ...checkValues(body as never)]
  }
  emu.route('POST', '/mp/collect', (req, ctx) => {
    const hit = {
      measurementId: req.query.get('measurement_id') ?? '',
      apiSecret: req.query.get('api_secret') ?? '',
      body: (req.body ?? {}) as Record<string, unknown>,
    }
    const known = !options.streams || options.streams[hit.measurementId] === hit.apiSecret
    ;(known && problems(req.body).length === 0 ? ctx.state.accepted : ctx.state.rejected).push(hit)
    return empty(204)
  })
  emu.route('POST', '/debug/mp/collect', (req) => json(200, { validationMessages: problems(req.body) }))
  return Object.assign(emu, {
    events: () =>
      emu.state.accepted.flatMap((h) =>
        ((h.body.events ?? []) as Array<{ name: string; params?: Record<string, unknown> }>).map((e) => ({
          name: e.name,
          params: e.params ?? {},
          clientId: String(h.body.client_id),
        })),
      ),
  })
}
