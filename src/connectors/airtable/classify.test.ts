import { describe, expect, it } from 'vitest'
import { classifyAirtable } from './classify.js'

const r = (status: number, body: unknown = {}, headers: Record<string, string> = {}) => ({ status, body, headers })

describe('classifyAirtable', () => {
  it.each([
    ['200 is ok', r(200, { records: [] }), { kind: 'ok' }],
    [
      '429 without headers waits the documented 30 s',
      r(429, { errors: [{ error: 'RATE_LIMIT_REACHED' }] }),
      { kind: 'rate-limited', afterMs: 30_000 },
    ],
    ['429 with Retry-After waits exactly that', r(429, '', { 'retry-after': '7' }), { kind: 'rate-limited', afterMs: 7000 }],
    [
      '401 is permanent AUTHENTICATION_REQUIRED',
      r(401, { error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' } }),
      { kind: 'permanent', code: 'AUTHENTICATION_REQUIRED' },
    ],
    [
      '403 is permanent with its type',
      r(403, { error: { type: 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND', message: 'x' } }),
      { kind: 'permanent', code: 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND' },
    ],
    ['404 string form is permanent NOT_FOUND', r(404, { error: 'NOT_FOUND' }), { kind: 'permanent', code: 'NOT_FOUND' }],
    [
      '413 is permanent',
      r(413, { error: { type: 'REQUEST_TOO_LARGE', message: 'too large' } }),
      { kind: 'permanent', code: 'REQUEST_TOO_LARGE' },
    ],
    [
      '422 unknown field is permanent',
      r(422, { error: { type: 'UNKNOWN_FIELD_NAME', message: 'Unknown field name: "Nope"' } }),
      { kind: 'permanent', code: 'UNKNOWN_FIELD_NAME' },
    ],
    [
      '422 select option without typecast is permanent',
      r(422, { error: { type: 'INVALID_MULTIPLE_CHOICE_OPTIONS', message: 'x' } }),
      { kind: 'permanent', code: 'INVALID_MULTIPLE_CHOICE_OPTIONS' },
    ],
    ['404 without body is permanent HTTP_404', r(404, null), { kind: 'permanent', code: 'HTTP_404' }],
    ['500 is retryable', r(500, { error: { type: 'SERVER_ERROR' } }), { kind: 'retryable' }],
    ['503 is retryable', r(503, 'down'), { kind: 'retryable' }],
    ['408 is retryable', r(408), { kind: 'retryable' }],
  ])('%s', (_name, res, expected) => {
    expect(classifyAirtable(res)).toMatchObject(expected)
  })
})
