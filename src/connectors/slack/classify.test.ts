import { describe, expect, it } from 'vitest'
import { classifySlack } from './classify.js'

const r = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, body, headers })

describe('classifySlack', () => {
  it.each([
    ['Web API ok:true', r(200, { ok: true, ts: '1.2' }), { kind: 'ok' }],
    ['webhook "ok" text', r(200, 'ok'), { kind: 'ok' }],
    ['HTTP-200 invalid_auth is permanent', r(200, { ok: false, error: 'invalid_auth' }), { kind: 'permanent', code: 'invalid_auth' }],
    ['HTTP-200 not_authed is permanent', r(200, { ok: false, error: 'not_authed' }), { kind: 'permanent', code: 'not_authed' }],
    [
      'HTTP-200 channel_not_found is permanent',
      r(200, { ok: false, error: 'channel_not_found' }),
      { kind: 'permanent', code: 'channel_not_found' },
    ],
    ['HTTP-200 no_text is permanent', r(200, { ok: false, error: 'no_text' }), { kind: 'permanent', code: 'no_text' }],
    ['HTTP-200 internal_error is retryable', r(200, { ok: false, error: 'internal_error' }), { kind: 'retryable' }],
    [
      '429 with Retry-After waits exactly that',
      r(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' }),
      { kind: 'rate-limited', afterMs: 30_000 },
    ],
    ['429 without Retry-After waits 1 s', r(429, 'rate_limited'), { kind: 'rate-limited', afterMs: 1000 }],
    ['webhook 400 invalid_payload is permanent', r(400, 'invalid_payload'), { kind: 'permanent', code: 'invalid_payload' }],
    ['webhook 404 channel_not_found is permanent', r(404, 'channel_not_found'), { kind: 'permanent', code: 'channel_not_found' }],
    ['webhook 410 channel_is_archived is permanent', r(410, 'channel_is_archived'), { kind: 'permanent', code: 'channel_is_archived' }],
    ['webhook 500 rollup_error is retryable', r(500, 'rollup_error'), { kind: 'retryable' }],
  ])('%s', (_name, res, expected) => {
    expect(classifySlack(res)).toMatchObject(expected)
  })
})
