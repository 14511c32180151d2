/**
 * Classification of Make, n8n and Zapier webhook answers as data: ordered rules matched on
 * status and body text. A connection may put its own rules first (`rules`), e.g. to retry
 * Make's "Scenario failed to complete" for an idempotent scenario.
 * @module
 */
import { z } from 'zod'
import { headerValue, parseRetryAfter } from '../../resilience/retry-after.js'
import type { Classification } from '../contract.js'

export const ruleSchema = z.object({
  /** A status, or an inclusive range `[from, to]`. */
  status: z.union([z.number().int(), z.tuple([z.number().int(), z.number().int()])]).optional(),
  /** Case-insensitive regular expression tested on the body text. */
  body: z.string().optional(),
  outcome: z.enum(['ok', 'retryable', 'rate-limited', 'permanent']),
  code: z.string().optional(),
  /** Wait for rate-limited/retryable outcomes when the answer has no Retry-After. */
  afterMs: z.number().int().min(0).optional(),
})
export type WebhookRule = z.infer<typeof ruleSchema>

export type AutomationService = 'make' | 'n8n' | 'zapier'

const common: WebhookRule[] = [
  { status: [200, 299], outcome: 'ok' },
  { status: 429, outcome: 'rate-limited', afterMs: 5000 },
  { status: [401, 403], outcome: 'permanent', code: 'UNAUTHORIZED' },
  { status: 408, outcome: 'retryable' },
  { status: [500, 599], outcome: 'retryable' },
]

/** Built-in rules per service (see docs/connectors-more.md). */
export const DEFAULT_RULES: Record<AutomationService, WebhookRule[]> = {
  make: [
    { status: 400, body: 'queue is full', outcome: 'retryable', code: 'QUEUE_FULL', afterMs: 60_000 },
    { status: 400, body: 'scenario failed to complete', outcome: 'permanent', code: 'SCENARIO_FAILED' },
    { status: 410, outcome: 'permanent', code: 'NO_SCENARIO' },
    ...common,
  ],
  n8n: [{ status: 404, body: 'not registered', outcome: 'permanent', code: 'WEBHOOK_NOT_REGISTERED' }, ...common],
  zapier: [{ status: 410, outcome: 'permanent', code: 'HOOK_GONE' }, { status: 429, outcome: 'rate-limited', afterMs: 10_000 }, ...common],
}

export interface WebhookAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

function matches(rule: WebhookRule, res: WebhookAnswer): boolean {
  if (typeof rule.status === 'number' && rule.status !== res.status) return false
  if (Array.isArray(rule.status) && (res.status < rule.status[0] || res.status > rule.status[1])) return false
  if (rule.body !== undefined && !new RegExp(rule.body, 'i').test(res.text)) return false
  return true
}

export function classifyWebhook(
  service: AutomationService,
  res: WebhookAnswer,
  extra: readonly WebhookRule[] = [],
  now = Date.now(),
): Classification {
  const rule = [...extra, ...DEFAULT_RULES[service]].find((r) => matches(r, res))
  const message = `HTTP ${res.status}${res.text ? `: ${res.text.slice(0, 200)}` : ''}`
  const wait = parseRetryAfter(headerValue(res.headers, 'retry-after'), now)
  if (!rule)
    return res.status >= 400 && res.status < 500
      ? { kind: 'permanent', code: `HTTP_${res.status}`, message }
      : { kind: 'retryable', message }
  switch (rule.outcome) {
    case 'ok':
      return { kind: 'ok' }
    case 'rate-limited':
      return { kind: 'rate-limited', afterMs: wait ?? rule.afterMs ?? 1000, message }
    case 'retryable':
      return { kind: 'retryable', ...((wait ?? rule.afterMs) !== undefined ? { afterMs: (wait ?? rule.afterMs) as number } : {}), message }
    default:
      return { kind: 'permanent', code: rule.code ?? `HTTP_${res.status}`, message }
  }
}
