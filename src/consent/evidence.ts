/**
 * Consent evidence given with an action call (`consent: { source, at?, evidence? }`): the
 * schema actions share, and the conversion of its time.
 * @module
 */
import { z } from 'zod'
import { NonRetryableError } from '../errors.js'
import { CONSENT_STATES } from './types.js'

export const consentEvidenceInput = z.object({
  /** @defaultValue 'subscribed' */
  state: z.enum(CONSENT_STATES).default('subscribed'),
  /** Where the consent came from, e.g. `webform:signup`. */
  source: z.string().min(1),
  /** When it was given: epoch ms or an ISO date-time. @defaultValue now */
  at: z.union([z.number(), z.string()]).optional(),
  /** Proof worth keeping (IP, form id, confirmation id). */
  evidence: z.unknown().optional(),
})
export type ConsentEvidenceInput = z.input<typeof consentEvidenceInput>

/** Epoch ms of an evidence time (`undefined` → now); a bad time is a permanent error naming it. */
export function consentTime(at: number | string | undefined, now: number): number {
  if (at === undefined) return now
  const ms = typeof at === 'number' ? at : Date.parse(at)
  if (!Number.isFinite(ms)) throw new NonRetryableError(`consent.at ${JSON.stringify(at)} is not a time (epoch ms or ISO 8601)`)
  return ms
}
