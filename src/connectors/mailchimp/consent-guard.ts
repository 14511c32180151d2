/**
 * The consent check of Mailchimp writes: before anything that may subscribe someone
 * (`status`/`status_if_new` of `subscribed` or `pending`), the contact's recorded consent must
 * allow it (src/consent/policy.ts). Consent evidence given with the call is recorded first,
 * so a sign-up form can record and subscribe in one step.
 * @module
 */
import type { z } from 'zod'
import type { ConsentAccess } from '../../consent/access.js'
import { type consentEvidenceInput, consentTime } from '../../consent/evidence.js'
import { ConsentRequiredError, consentAllows, type MailchimpStatus } from '../../consent/policy.js'
import { type ConsentRecord, DEFAULT_CONSENT_SCOPE } from '../../consent/types.js'
import { NonRetryableError } from '../../errors.js'

/**
 * Refuse unless the recorded consent of `email` allows every status in `targets`. Returns the
 * consent that was checked (null when nothing needed checking).
 */
export async function assertConsent(
  access: ConsentAccess | undefined,
  what: string,
  email: string,
  targets: ReadonlyArray<MailchimpStatus | undefined>,
  options: { scope?: string; evidence?: z.output<typeof consentEvidenceInput>; now: number },
): Promise<ConsentRecord | null> {
  const scope = options.scope ?? DEFAULT_CONSENT_SCOPE
  const needs = targets.filter((t): t is MailchimpStatus => t === 'subscribed' || t === 'pending')
  if (needs.length === 0 && !options.evidence) return null
  if (!access)
    throw new NonRetryableError(
      `${what}: no consent records are available here (actions reach them through the gateway), so subscribing is refused`,
    )
  if (options.evidence) {
    const e = options.evidence
    await access.record({ email, scope, state: e.state, source: e.source, at: consentTime(e.at, options.now), evidence: e.evidence })
  }
  const record = await access.get(email, scope)
  const refused = needs.filter((t) => !consentAllows(record, t))
  if (refused.length > 0)
    throw new ConsentRequiredError(
      `${what} as ${refused.join('/')}`,
      [{ email, recorded: record?.state ?? null, source: record?.source }],
      scope,
    )
  return record
}
