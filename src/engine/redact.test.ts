import { describe, expect, it } from 'vitest'
import { createRedactor } from './redact.js'

describe('redactor', () => {
  it('masks values added later (dev reload) as well as the first ones, the longer secret whole', () => {
    const r = createRedactor({ secrets: ['first-secret-1'] })
    expect(r.text('a first-secret-1 and later-secret-22')).toBe('a [redacted] and later-secret-22')
    r.addSecrets(['later-secret-22', 'later-secret-22-long', 'short'])
    expect(r.text('a first-secret-1 and later-secret-22 or later-secret-22-long, short')).toBe(
      'a [redacted] and [redacted] or [redacted], short',
    )
    expect(r.value({ note: 'later-secret-22' })).toEqual({ note: '[redacted]' })
  })
})
