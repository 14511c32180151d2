import { describe, expect, it } from 'vitest'
import { classifyWebhook } from './classify.js'

const r = (status: number, text = '', headers: Record<string, string> = {}) => ({ status, text, headers })

describe('classifyWebhook', () => {
  it.each([
    ['make', 'Accepted is ok', r(200, 'Accepted'), { kind: 'ok' }],
    ['make', 'queue full is retryable after 60 s', r(400, 'Queue is full.'), { kind: 'retryable', afterMs: 60_000 }],
    [
      'make',
      'scenario failure is permanent SCENARIO_FAILED',
      r(400, 'Scenario failed to complete.'),
      { kind: 'permanent', code: 'SCENARIO_FAILED' },
    ],
    [
      'make',
      'no scenario listening (410) is permanent',
      r(410, 'There is no scenario listening for this webhook.'),
      { kind: 'permanent', code: 'NO_SCENARIO' },
    ],
    ['make', '429 waits Retry-After', r(429, 'Too many requests', { 'retry-after': '2' }), { kind: 'rate-limited', afterMs: 2000 }],
    ['make', '429 without Retry-After waits 5 s', r(429), { kind: 'rate-limited', afterMs: 5000 }],
    ['make', 'a wrong x-make-apikey (401) is permanent', r(401, 'Unauthorized'), { kind: 'permanent', code: 'UNAUTHORIZED' }],
    ['make', 'other 400 is permanent', r(400, 'Bad request'), { kind: 'permanent', code: 'HTTP_400' }],
    ['n8n', 'workflow started is ok', r(200, '{"message":"Workflow was started"}'), { kind: 'ok' }],
    [
      'n8n',
      'unregistered webhook is permanent',
      r(404, '{"code":404,"message":"The requested webhook \\"POST x\\" is not registered."}'),
      { kind: 'permanent', code: 'WEBHOOK_NOT_REGISTERED' },
    ],
    ['n8n', 'wrong credentials (403) are permanent', r(403, 'Authorization data is wrong!'), { kind: 'permanent', code: 'UNAUTHORIZED' }],
    ['n8n', '500 workflow error is retryable', r(500, '{"message":"Error in workflow"}'), { kind: 'retryable' }],
    ['n8n', '503 with Retry-After is retryable after it', r(503, '', { 'retry-after': '5' }), { kind: 'retryable', afterMs: 5000 }],
    ['zapier', 'success is ok', r(200, '{"status":"success"}'), { kind: 'ok' }],
    ['zapier', '429 waits 10 s', r(429), { kind: 'rate-limited', afterMs: 10_000 }],
    ['zapier', '410 is permanent HOOK_GONE', r(410), { kind: 'permanent', code: 'HOOK_GONE' }],
    ['zapier', '502 is retryable', r(502), { kind: 'retryable' }],
  ] as const)('%s: %s', (service, _name, res, expected) => {
    expect(classifyWebhook(service, res)).toMatchObject(expected)
  })

  it('puts connection rules first (retry Make scenario failures when configured)', () => {
    expect(
      classifyWebhook('make', r(400, 'Scenario failed to complete.'), [{ status: 400, body: 'scenario failed', outcome: 'retryable' }]),
    ).toMatchObject({ kind: 'retryable' })
  })
})
