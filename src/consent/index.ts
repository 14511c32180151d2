/**
 * Consent as data (docs/consent.md): states, the rules of what each allows, and access for
 * actions.
 * @module
 */
export { type ConsentAccess, memoryConsent, storeConsent } from './access.js'
export { type ConsentEvidenceInput, consentEvidenceInput, consentTime } from './evidence.js'
export {
  ConsentRequiredError,
  consentAllows,
  consentFromMailchimp,
  type MailchimpStatus,
  mailchimpFromConsent,
  statesAllowing,
} from './policy.js'
export {
  CONSENT_PRECEDENCE,
  CONSENT_STATES,
  type ConsentFilter,
  type ConsentHistoryEntry,
  type ConsentInput,
  type ConsentRecord,
  type ConsentState,
  consentSubject,
  consentSupersedes,
  DEFAULT_CONSENT_SCOPE,
  isConsentState,
} from './types.js'
