import { describe, expect, it } from 'vitest'
import { histogramQuantile } from './series-query.js'

describe('histogramQuantile', () => {
  it('interpolates inside the bucket that holds the rank, like Prometheus', () => {
    // 100 observations: 90 at or below 0.5 s, 10 between 2 and 5 s.
    const counts = new Map([
      ['0.5', 90],
      ['2', 0],
      ['5', 10],
    ])
    expect(histogramQuantile(0.5, counts)).toBeCloseTo(0.2778, 3)
    expect(histogramQuantile(0.95, counts)).toBeCloseTo(3.5, 6)
    expect(histogramQuantile(0.95, new Map())).toBeNull()
  })

  it('answers the lower bound of the +Inf bucket', () => {
    expect(
      histogramQuantile(
        0.99,
        new Map([
          ['30', 1],
          ['+Inf', 9],
        ]),
      ),
    ).toBe(30)
  })
})
