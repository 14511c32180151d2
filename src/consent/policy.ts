/**
 * What each consent state allows, and the refusal when it does not: a Mailchimp subscribe,
 * a double opt-in request, or a marketing e-mail to someone without the consent it needs
 * fails with `PW_CONSENT_REQUIRED` (a permanent error: a retry cannot create consent).
 *
 * | intended                         | needs recorded state          |
 * | -------------------------------- | ----------------------------- |
 * | Mailchimp `subscribed`           | `subscribed`                  |
 * | Mailchimp `pending` (double opt-in) | `subscribed` or `pending`  |
 * | marketing e-mail                 | `subscribed`                  |
 * | `unsubscribed`, `cleaned`, `transactional`, transactional e-mail | nothing |
 * @module
 */
import { ErrorCodes, NonRetryableError } from '../errors.js'
import type { ConsentRecord, ConsentState } from './types.js'

/** Mailchimp member statuses (`archived` is a list operation, not a consent). */
export type MailchimpStatus = 'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional'

/** Mailchimp status → consent state (`archived` and unknown values → null: no consent change). */
export function consentFromMailchimp(status: string): ConsentState | null {
  switch (status) {
    case 'subscribed':
    case 'unsubscribed':
    case 'cleaned':
    case 'pending':
      return status
    case 'transactional':
      return 'transactional-only'
    default:
      return null
  }
}

/** Consent state → the Mailchimp status that expresses it. */
export function mailchimpFromConsent(state: ConsentState): MailchimpStatus {
  return state === 'transactional-only' ? 'transactional' : state
}

/** The states that permit writing `target` to Mailchimp; empty when any (or no) consent will do. */
export function statesAllowing(target: MailchimpStatus | 'marketing-email'): readonly ConsentState[] {
  switch (target) {
    case 'subscribed':
    case 'marketing-email':
      return ['subscribed']
    case 'pending':
      return ['subscribed', 'pending']
    default:
      return []
  }
}

/** True when `record` permits `target`. */
export function consentAllows(record: Pick<ConsentRecord, 'state'> | null, target: MailchimpStatus | 'marketing-email'): boolean {
  const needed = statesAllowing(target)
  return needed.length === 0 || (record !== null && needed.includes(record.state))
}

/** A write or send refused because the contact's recorded consent does not allow it. */
export class ConsentRequiredError extends NonRetryableError {
  /** The addresses refused, with what was recorded for each (null: nothing recorded). */
  readonly refused: Array<{ email: string; recorded: ConsentState | null }>
  constructor(what: string, refused: Array<{ email: string; recorded: ConsentState | null; source?: string }>, scope: string) {
    const shown = refused
      .slice(0, 5)
      .map(
        (r) => `${r.email} (${r.recorded === null ? 'no consent recorded' : `recorded ${r.recorded}${r.source ? ` by ${r.source}` : ''}`})`,
      )
      .join(', ')
    const more = refused.length > 5 ? ` and ${refused.length - 5} more` : ''
    super(
      `${what} refused: no consent for scope "${scope}" allows it for ${shown}${more}. Record consent first (consent.record, or the action's \`consent\` evidence); opt-outs are never overridden`,
      { code: ErrorCodes.CONSENT_REQUIRED, details: { scope, refused } },
    )
    this.refused = refused.map(({ email, recorded }) => ({ email, recorded }))
  }
}
