import { describe, expect, it } from 'vitest'
import { formatLabels, parseLabels } from './labels.js'

describe('series labels', () => {
  it('round-trips values with separators and sorts keys, so equal sets are equal strings', () => {
    const text = formatLabels({ pipeline: 'a,b=c', connection: 'hubspot:main' })
    expect(text).toBe('connection=hubspot%3Amain,pipeline=a%2Cb%3Dc')
    expect(parseLabels(text)).toEqual({ pipeline: 'a,b=c', connection: 'hubspot:main' })
    expect(formatLabels({ b: '1', a: '2' })).toBe(formatLabels({ a: '2', b: '1' }))
    expect(parseLabels('')).toEqual({})
  })
})
