import { describe, expect, it } from 'vitest'
import { classifyClay } from './classify.js'

const r = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, body, headers })

describe('classifyClay', () => {
  it.each([
    ['200 is ok', r(200, { success: true }), { kind: 'ok' }],
    [
      'an exhausted webhook is permanent WEBHOOK_EXHAUSTED',
      r(429, { message: 'This webhook has reached its limit of 50000 submissions.' }),
      { kind: 'permanent', code: 'WEBHOOK_EXHAUSTED' },
    ],
    [
      'a plain 429 with Retry-After waits exactly that',
      r(429, { error: 'rate_limited' }, { 'retry-after': '4' }),
      { kind: 'rate-limited', afterMs: 4000 },
    ],
    ['a plain 429 without Retry-After waits 1 s', r(429, ''), { kind: 'rate-limited', afterMs: 1000 }],
    ['401 is permanent', r(401, { error: 'unauthorized' }), { kind: 'permanent', code: 'UNAUTHORIZED' }],
    ['400 is permanent', r(400, { error: 'invalid_payload' }), { kind: 'permanent', code: 'HTTP_400' }],
    ['503 is retryable', r(503, 'down'), { kind: 'retryable' }],
  ])('%s', (_name, res, expected) => {
    expect(classifyClay(res)).toMatchObject(expected)
  })
})
