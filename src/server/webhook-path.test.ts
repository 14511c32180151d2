import { describe, expect, it } from 'vitest'
import { webhookPath } from './hooks.js'

describe('webhookPath', () => {
  it('takes the pipeline path after /hooks/, without query or trailing slashes', () => {
    expect(webhookPath('/hooks/crm')).toBe('crm')
    expect(webhookPath('/hooks/crm/leads?src=form&x=/')).toBe('crm/leads')
    expect(webhookPath('/hooks/crm/leads///')).toBe('crm/leads')
    expect(webhookPath('/hooks/a/b/?x=1')).toBe('a/b')
  })

  it('gives an empty path for anything outside /hooks/', () => {
    expect(webhookPath('/hooks')).toBe('')
    expect(webhookPath('/api/hooks/crm')).toBe('')
    expect(webhookPath('/hooks/')).toBe('')
    expect(webhookPath('/hooks//')).toBe('')
  })
})
