/**
 * The `consent` connector: record and read consent from a pipeline (a sign-up form's opt-in,
 * an unsubscribe link, a CRM field) — no provider behind it, only the store's consent records
 * that the gateway hands every action (docs/consent.md).
 *
 * - `consent.record` `{ email, state, source, at?, scope?, evidence? }` → `{ applied, record }`
 * - `consent.get` `{ email, scope? }` → the record, or `null`
 * @module
 */
import { z } from 'zod'
import type { ConsentAccess } from '../../consent/access.js'
import { consentTime } from '../../consent/evidence.js'
import { CONSENT_STATES, type ConsentRecord } from '../../consent/types.js'
import { NonRetryableError } from '../../errors.js'
import { type ActionDefinition, defineConnector } from '../contract.js'

export const consentRecordInput = z.object({
  email: z.string().email(),
  state: z.enum(CONSENT_STATES),
  /** Where it came from, e.g. `webform:signup`, `crm`, `unsubscribe-link`. */
  source: z.string().min(1),
  /** When it happened: epoch ms or ISO 8601. @defaultValue now */
  at: z.union([z.number(), z.string()]).optional(),
  /** @defaultValue 'marketing' */
  scope: z.string().min(1).optional(),
  evidence: z.unknown().optional(),
})
export type ConsentRecordInput = z.input<typeof consentRecordInput>

export const consentGetInput = z.object({ email: z.string().email(), scope: z.string().min(1).optional() })
export type ConsentGetInput = z.input<typeof consentGetInput>

function access(a: ConsentAccess | undefined, what: string): ConsentAccess {
  if (!a) throw new NonRetryableError(`${what}: no consent records are available here (actions reach them through the gateway)`)
  return a
}

const record: ActionDefinition<Record<string, never>, z.output<typeof consentRecordInput>, { applied: boolean; record: ConsentRecord }> = {
  input: consentRecordInput as never,
  run: (input, ctx) =>
    access(ctx.consent, 'consent.record').record({
      email: input.email,
      state: input.state,
      source: input.source,
      at: consentTime(input.at, ctx.clock.now()),
      ...(input.scope ? { scope: input.scope } : {}),
      ...(input.evidence === undefined ? {} : { evidence: input.evidence }),
    }),
}

const get: ActionDefinition<Record<string, never>, z.output<typeof consentGetInput>, ConsentRecord | null> = {
  input: consentGetInput as never,
  run: (input, ctx) => access(ctx.consent, 'consent.get').get(input.email, input.scope),
}

export const consentConnector = defineConnector<Record<string, never>>({
  id: 'consent',
  connection: z.object({}).strict() as never,
  actions: { record, get },
})
