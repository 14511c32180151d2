/**
 * Consent as data: one state per contact and scope, with where it came from and when.
 *
 * States (closed union):
 * - `subscribed` — the person agreed to marketing e-mail (an opt-in we can show).
 * - `pending` — a double opt-in is under way (a confirmation e-mail was asked for).
 * - `transactional-only` — receipts, password resets and the like; no marketing.
 * - `unsubscribed` — the person opted out. Never re-subscribed by Pipewright.
 * - `cleaned` — the address bounced or was reported; Mailchimp will not mail it.
 *
 * A contact is identified by its e-mail address, trimmed and lower-cased ({@link consentSubject}).
 * A `scope` separates consents given for different things (one Mailchimp audience, a
 * newsletter, product updates); `marketing` when not named.
 *
 * Ordering: a change applies when it happened (`at`, the provider's own time) after the
 * recorded one. At the same millisecond the more restrictive state wins
 * ({@link CONSENT_PRECEDENCE}), so a late webhook never silently re-opens an opt-out.
 * @module
 */

export const CONSENT_STATES = ['subscribed', 'pending', 'transactional-only', 'unsubscribed', 'cleaned'] as const
export type ConsentState = (typeof CONSENT_STATES)[number]

/** The scope used when none is named. */
export const DEFAULT_CONSENT_SCOPE = 'marketing'

/** Tie-break at equal timestamps: the higher wins (opt-outs beat opt-ins). */
export const CONSENT_PRECEDENCE: Readonly<Record<ConsentState, number>> = {
  subscribed: 0,
  pending: 1,
  'transactional-only': 2,
  unsubscribed: 3,
  cleaned: 4,
}

/** A consent change to record. */
export interface ConsentInput {
  /** Contact e-mail address (normalised before it is stored). */
  email: string
  state: ConsentState
  /** Who or what said so: `webform:signup`, `mailchimp:main/abc123`, `crm`, `import:2026-01.csv`. */
  source: string
  /** When the change happened, epoch ms (the provider's `fired_at`, the form's submit time). */
  at: number
  /** @defaultValue 'marketing' */
  scope?: string
  /** Proof worth keeping (IP, form id, webhook event id, double opt-in confirmation). Plain JSON; no secrets. */
  evidence?: unknown
}

/** The recorded consent of one contact in one scope. */
export interface ConsentRecord {
  scope: string
  /** The normalised e-mail address. */
  subject: string
  state: ConsentState
  source: string
  /** When the change happened (provider time), epoch ms. */
  at: number
  /** When Pipewright recorded it, epoch ms. */
  recordedAt: number
  evidence: unknown
}

/** One entry of a contact's consent history: every change offered, applied or not. */
export interface ConsentHistoryEntry extends ConsentRecord {
  /** False when a later (or more restrictive, at the same time) state was already recorded. */
  applied: boolean
}

export interface ConsentFilter {
  scope?: string
  state?: ConsentState | ConsentState[]
  /** Only consents that changed (`at`) at or after this time. */
  since?: number
  /** Keyset paging: subjects sorting after this one. */
  after?: string
  /** @defaultValue 100 */
  limit?: number
}

export function isConsentState(v: unknown): v is ConsentState {
  return typeof v === 'string' && (CONSENT_STATES as readonly string[]).includes(v)
}

/** The key a contact's consent is stored under: the e-mail address trimmed and lower-cased. */
export function consentSubject(email: string): string {
  return email.trim().toLowerCase()
}

/**
 * Whether `incoming` replaces `current` (same scope and subject): later wins; at the same
 * time, the more restrictive state wins; the same state at the same time is a no-op replay.
 */
export function consentSupersedes(
  incoming: { at: number; state: ConsentState },
  current: { at: number; state: ConsentState } | null,
): boolean {
  if (current === null) return true
  if (incoming.at !== current.at) return incoming.at > current.at
  return CONSENT_PRECEDENCE[incoming.state] > CONSENT_PRECEDENCE[current.state]
}
