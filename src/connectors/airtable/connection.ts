/**
 * Airtable connection settings and the provider's limits as data: 5 requests per second per
 * base (scoped by base id) and 50 per second per token (the connection), 10 records per write.
 * @module
 */
import { z } from 'zod'
import type { ConnectorLimits } from '../contract.js'
import { AIRTABLE_RATE_LIMIT_WAIT_MS } from './classify.js'

export const AIRTABLE_DEFAULT_BASE_URL = 'https://api.airtable.com'
/** Records per create/update/upsert request. */
export const AIRTABLE_BATCH_SIZE = 10

export const airtableConnectionSchema = z.object({
  /** Personal access token (`pat…`), sent as `Authorization: Bearer`. */
  token: z.string().min(1),
  /** @defaultValue https://api.airtable.com */
  baseUrl: z.string().url().default(AIRTABLE_DEFAULT_BASE_URL),
  /** Wait after a 429 without Retry-After, in ms. @defaultValue 30000 (Airtable's documented penalty) */
  rateLimitWaitMs: z.number().int().min(0).default(AIRTABLE_RATE_LIMIT_WAIT_MS),
})
export type AirtableConnection = z.infer<typeof airtableConnectionSchema>

export const airtableLimits: ConnectorLimits = {
  rates: [
    { name: 'per-base', limit: 5, windowMs: 1000, scope: 'action' },
    { name: 'per-token', limit: 50, windowMs: 1000 },
  ],
}

/** Connection config from `AIRTABLE_TOKEN` and `AIRTABLE_BASE_URL`; null without a token. */
export function airtableFromEnv(env: Record<string, string | undefined>): Record<string, unknown> | null {
  if (!env.AIRTABLE_TOKEN) return null
  return { token: env.AIRTABLE_TOKEN, ...(env.AIRTABLE_BASE_URL ? { baseUrl: env.AIRTABLE_BASE_URL } : {}) }
}
