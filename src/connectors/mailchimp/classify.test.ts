import { describe, expect, it } from 'vitest'
import { classifyMailchimp } from './classify.js'

const problem = (status: number, title: string, extra: Record<string, unknown> = {}) => ({
  status,
  headers: { 'content-type': 'application/problem+json; charset=utf-8' },
  body: { type: 'https://mailchimp.com/developer/marketing/docs/errors/', title, status, detail: 'x', instance: 'abc', ...extra },
})

describe('classifyMailchimp', () => {
  it.each([
    ['200 is ok', { status: 200, headers: {}, body: { id: 'x' } }, { kind: 'ok' }],
    ['204 (tags) is ok', { status: 204, headers: {}, body: null }, { kind: 'ok' }],
    ['429 without Retry-After waits 1 s', problem(429, 'Too Many Requests'), { kind: 'rate-limited', afterMs: 1000 }],
    [
      '429 with Retry-After waits exactly that',
      { ...problem(429, 'Too Many Requests'), headers: { 'retry-after': '4' } },
      { kind: 'rate-limited', afterMs: 4000 },
    ],
    [
      '403 HTML throttle page is retryable',
      { status: 403, headers: { 'content-type': 'text/html' }, body: '<html><body>Access Denied</body></html>' },
      { kind: 'retryable' },
    ],
    [
      '503 HTML page is retryable',
      { status: 503, headers: {}, body: '<!DOCTYPE html><title>Service Unavailable</title>' },
      { kind: 'retryable' },
    ],
    [
      '400 Invalid Resource is permanent',
      problem(400, 'Invalid Resource', { errors: [{ field: 'email_address', message: 'bad' }] }),
      { kind: 'permanent', code: 'INVALID_RESOURCE' },
    ],
    [
      '400 Member In Compliance State is permanent',
      problem(400, 'Member In Compliance State'),
      { kind: 'permanent', code: 'MEMBER_IN_COMPLIANCE_STATE' },
    ],
    ['401 API Key Invalid is permanent', problem(401, 'API Key Invalid'), { kind: 'permanent', code: 'API_KEY_INVALID' }],
    ['403 problem JSON (not HTML) is permanent', problem(403, 'Forbidden'), { kind: 'permanent', code: 'FORBIDDEN' }],
    ['404 Resource Not Found is permanent', problem(404, 'Resource Not Found'), { kind: 'permanent', code: 'RESOURCE_NOT_FOUND' }],
    ['500 is retryable', problem(500, 'Internal Server Error'), { kind: 'retryable' }],
  ])('%s', (_name, res, expected) => {
    expect(classifyMailchimp(res)).toMatchObject(expected)
  })
})
