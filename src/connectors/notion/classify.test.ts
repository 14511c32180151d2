import { describe, expect, it } from 'vitest'
import { classifyNotion } from './classify.js'

const e = (status: number, code: string, headers: Record<string, string> = {}) => ({
  status,
  body: { object: 'error', status, code, message: 'x' },
  headers,
})

describe('classifyNotion', () => {
  it.each([
    ['200 is ok', { status: 200, body: { object: 'page' }, headers: {} }, { kind: 'ok' }],
    ['429 rate_limited waits Retry-After', e(429, 'rate_limited', { 'retry-after': '3' }), { kind: 'rate-limited', afterMs: 3000 }],
    ['429 without Retry-After waits 1 s', e(429, 'rate_limited'), { kind: 'rate-limited', afterMs: 1000 }],
    ['529 service_overload waits Retry-After', e(529, 'service_overload', { 'retry-after': '5' }), { kind: 'rate-limited', afterMs: 5000 }],
    ['400 validation_error is permanent', e(400, 'validation_error'), { kind: 'permanent', code: 'validation_error' }],
    ['400 missing_version is permanent', e(400, 'missing_version'), { kind: 'permanent', code: 'missing_version' }],
    ['401 unauthorized is permanent', e(401, 'unauthorized'), { kind: 'permanent', code: 'unauthorized' }],
    ['403 restricted_resource is permanent', e(403, 'restricted_resource'), { kind: 'permanent', code: 'restricted_resource' }],
    ['404 object_not_found is permanent', e(404, 'object_not_found'), { kind: 'permanent', code: 'object_not_found' }],
    ['409 conflict_error is retryable', e(409, 'conflict_error'), { kind: 'retryable' }],
    ['500 internal_server_error is retryable', e(500, 'internal_server_error'), { kind: 'retryable' }],
    [
      '503 service_unavailable with Retry-After is retryable after it',
      e(503, 'service_unavailable', { 'retry-after': '2' }),
      { kind: 'retryable', afterMs: 2000 },
    ],
    ['504 without a body is retryable', { status: 504, body: 'Gateway Timeout', headers: {} }, { kind: 'retryable' }],
  ])('%s', (_name, res, expected) => {
    expect(classifyNotion(res)).toMatchObject(expected)
  })
})
