/**
 * HubSpot connection settings and the provider's limits as data.
 * @module
 */
import { z } from 'zod'
import type { ConnectorLimits } from '../contract.js'

export const HUBSPOT_DEFAULT_BASE_URL = 'https://api.hubapi.com'

export const hubspotTiers = {
  /** Free and Starter private apps: 100 per 10 s, 250,000 a day. */
  starter: { tenSecondly: 100, daily: 250_000 },
  /** Professional: 190 per 10 s, 650,000 a day. */
  professional: { tenSecondly: 190, daily: 650_000 },
  /** Enterprise: 190 per 10 s, 1,000,000 a day. */
  enterprise: { tenSecondly: 190, daily: 1_000_000 },
  /** With the API limit increase pack: 250 per 10 s (daily as Enterprise). */
  'limit-increase': { tenSecondly: 250, daily: 1_000_000 },
} as const

export type HubspotTier = keyof typeof hubspotTiers

export const hubspotConnectionSchema = z
  .object({
    /** Private app access token (`pat-…`), sent as `Authorization: Bearer`. */
    token: z.string().min(1).optional(),
    /** A public app's OAuth refresh token instead of `token`: access tokens are refreshed before they expire. */
    oauth: z
      .object({
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        refreshToken: z.string().min(1),
        tokenUrl: z.string().url().optional(),
      })
      .optional(),
    /** @defaultValue https://api.hubapi.com */
    baseUrl: z.string().url().default(HUBSPOT_DEFAULT_BASE_URL),
    /** Account tier, which sets the ten-secondly and daily limits. @defaultValue starter */
    tier: z.enum(['starter', 'professional', 'enterprise', 'limit-increase']).default('starter'),
  })
  .refine((c) => c.token !== undefined || c.oauth !== undefined, {
    message: 'give a token (private app) or oauth (public app)',
    path: ['token'],
  })

export type HubspotConnection = z.infer<typeof hubspotConnectionSchema>

/** Every action but search counts against the ten-secondly limit. */
const TEN_SECONDLY_ACTIONS = [
  'companies.upsert',
  'contacts.upsert',
  'objects.create',
  'objects.update',
  'objects.upsert',
  'objects.archive',
  'objects.read',
  'objects.list',
  'associations.set',
  'associations.remove',
]

/** HubSpot's documented limits for a tier; search has its own bucket of 5 per second. */
export function hubspotLimits(tier: HubspotTier = 'starter'): ConnectorLimits {
  const t = hubspotTiers[tier]
  return {
    rates: [
      { name: 'ten-secondly', limit: t.tenSecondly, windowMs: 10_000, actions: TEN_SECONDLY_ACTIONS },
      { name: 'search', limit: 5, windowMs: 1000, actions: ['search'] },
    ],
    budgets: [{ name: 'daily', period: 'day', limit: t.daily }],
  }
}

/**
 * Connection config from `HUBSPOT_TOKEN`, `HUBSPOT_BASE_URL` and `HUBSPOT_TIER`; null without a
 * token. A known tier also sets the connection's limits (gateway key `limits`), so a Professional
 * account is paced at 190 per 10 s rather than the connector's default 100.
 */
export function hubspotFromEnv(env: Record<string, string | undefined>): Record<string, unknown> | null {
  if (!env.HUBSPOT_TOKEN) return null
  const tier = env.HUBSPOT_TIER
  return {
    token: env.HUBSPOT_TOKEN,
    ...(env.HUBSPOT_BASE_URL ? { baseUrl: env.HUBSPOT_BASE_URL } : {}),
    ...(tier ? { tier } : {}),
    ...(tier && tier in hubspotTiers ? { limits: hubspotLimits(tier as HubspotTier) } : {}),
  }
}
