/**
 * `ConsentAccess`: what an action sees of the recorded consents (the gateway hands it one
 * backed by the Store; connectors never touch the store themselves). `memoryConsent()` is the
 * same over a Map, for connector tests and `pipewright/testing`.
 * @module
 */
import type { Store } from '../store/contract.js'
import type { Clock } from '../types.js'
import { type ConsentInput, type ConsentRecord, consentSubject, consentSupersedes, DEFAULT_CONSENT_SCOPE, isConsentState } from './types.js'

export interface ConsentAccess {
  get(email: string, scope?: string): Promise<ConsentRecord | null>
  /** Current consents of many addresses (absent ones left out). */
  getMany(emails: string[], scope?: string): Promise<ConsentRecord[]>
  record(input: ConsentInput): Promise<{ applied: boolean; record: ConsentRecord }>
}

export function storeConsent(store: Store, clock: Pick<Clock, 'now'>): ConsentAccess {
  return {
    get: (email, scope) => store.getConsent(email, scope),
    getMany: (emails, scope) => store.getConsents(emails, scope),
    record: (input) => store.recordConsent(input, clock.now()),
  }
}

/** An in-memory ConsentAccess with the Store's rules (tests, `createTestHub`). */
export function memoryConsent(now: () => number = Date.now): ConsentAccess & { records: Map<string, ConsentRecord> } {
  const records = new Map<string, ConsentRecord>()
  const key = (scope: string, subject: string) => `${scope}\u0000${subject}`
  return {
    records,
    get: async (email, scope = DEFAULT_CONSENT_SCOPE) => records.get(key(scope, consentSubject(email))) ?? null,
    getMany: async (emails, scope = DEFAULT_CONSENT_SCOPE) =>
      [...new Set(emails.map(consentSubject))].flatMap((s) => records.get(key(scope, s)) ?? []),
    record: async (input) => {
      if (!isConsentState(input.state)) throw new Error(`recordConsent: state must be a consent state (got ${String(input.state)})`)
      const scope = input.scope ?? DEFAULT_CONSENT_SCOPE
      const subject = consentSubject(input.email)
      const current = records.get(key(scope, subject)) ?? null
      const applied = consentSupersedes(input, current)
      if (applied)
        records.set(key(scope, subject), {
          scope,
          subject,
          state: input.state,
          source: input.source,
          at: input.at,
          recordedAt: now(),
          evidence: input.evidence ?? null,
        })
      return { applied, record: records.get(key(scope, subject))! }
    },
  }
}
