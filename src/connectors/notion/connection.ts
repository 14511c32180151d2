/**
 * Notion connection settings and limits: an average of 3 requests per second per integration.
 * @module
 */
import { z } from 'zod'
import type { ConnectorLimits } from '../contract.js'

export const NOTION_DEFAULT_BASE_URL = 'https://api.notion.com'
/** The data-sources API version (the official SDK's default since 5.x). */
export const NOTION_VERSION = '2025-09-03'
/** The last version with `POST /v1/databases/{id}/query`. */
export const NOTION_LEGACY_VERSION = '2022-06-28'

export const notionConnectionSchema = z.object({
  /** Integration token (`ntn_…` / `secret_…`), sent as `Authorization: Bearer`. */
  token: z.string().min(1),
  /** @defaultValue https://api.notion.com */
  baseUrl: z.string().url().default(NOTION_DEFAULT_BASE_URL),
  /** `Notion-Version` header. @defaultValue 2025-09-03 */
  notionVersion: z.string().default(NOTION_VERSION),
})
export type NotionConnection = z.infer<typeof notionConnectionSchema>

/**
 * Notion's average of 3 per second, and at most 7 in any 3 s: two requests of room under the
 * 9-in-3-s burst Notion tolerates, so that requests' time in transit on a loaded host never
 * makes 10 arrive within 3 s (a 429 at Notion, and at the emulator). With 8, a loaded test
 * machine still saw 9 arrive within 3 s, and once 10.
 */
export const notionLimits: ConnectorLimits = {
  rates: [
    { name: 'average', limit: 3, windowMs: 1000 },
    { name: 'burst', limit: 7, windowMs: 3000 },
  ],
}

/** Connection config from `NOTION_TOKEN` and `NOTION_BASE_URL`; null without a token. */
export function notionFromEnv(env: Record<string, string | undefined>): Record<string, unknown> | null {
  if (!env.NOTION_TOKEN) return null
  return { token: env.NOTION_TOKEN, ...(env.NOTION_BASE_URL ? { baseUrl: env.NOTION_BASE_URL } : {}) }
}
