import { describe, expect, it } from 'vitest'
import { classifyHubspot } from './classify.js'

const NOW = Date.UTC(2026, 10, 23, 23, 0, 0)
const r = (status: number, body: unknown = {}, headers: Record<string, string> = {}) => ({ status, body, headers })

describe('classifyHubspot', () => {
  it.each([
    ['200 ok', r(200), { kind: 'ok' }],
    ['207 partial batch is ok at call level (per-record errors handled by the batch)', r(207, { numErrors: 1 }), { kind: 'ok' }],
    [
      '429 with Retry-After waits exactly that',
      r(429, { policyName: 'TEN_SECONDLY_ROLLING' }, { 'retry-after': '3' }),
      { kind: 'rate-limited', afterMs: 3000 },
    ],
    [
      '429 ten-secondly without Retry-After waits the interval header',
      r(429, { policyName: 'TEN_SECONDLY_ROLLING' }, { 'x-hubspot-ratelimit-interval-milliseconds': '10000' }),
      { kind: 'rate-limited', afterMs: 10_000 },
    ],
    [
      '429 ten-secondly without any header waits 10 s',
      r(429, { message: 'You have reached your ten_secondly_rolling limit.' }),
      { kind: 'rate-limited', afterMs: 10_000 },
    ],
    [
      '429 search secondly limit waits 1 s',
      r(429, { message: 'You have reached your secondly limit.', category: 'RATE_LIMITS' }),
      { kind: 'rate-limited', afterMs: 1000 },
    ],
    [
      '429 daily limit waits until UTC midnight',
      r(429, { policyName: 'DAILY', message: 'You have reached your daily limit.' }),
      { kind: 'rate-limited', afterMs: 3_600_000 },
    ],
    [
      '409 conflict is permanent',
      r(409, { category: 'CONFLICT', message: 'Contact already exists. Existing ID: 5' }),
      { kind: 'permanent', code: 'CONFLICT' },
    ],
    ['401 is permanent', r(401, { category: 'INVALID_AUTHENTICATION' }), { kind: 'permanent', code: 'INVALID_AUTHENTICATION' }],
    ['400 validation is permanent', r(400, { category: 'VALIDATION_ERROR' }), { kind: 'permanent', code: 'VALIDATION_ERROR' }],
    ['404 without a body is permanent', r(404, null), { kind: 'permanent', code: 'HTTP_404' }],
    ['408 is retryable', r(408), { kind: 'retryable' }],
    ['502 is retryable', r(502, { category: 'INTERNAL_ERROR' }), { kind: 'retryable' }],
  ])('%s', (_name, res, expected) => {
    expect(classifyHubspot(res, NOW)).toMatchObject(expected)
  })
})
