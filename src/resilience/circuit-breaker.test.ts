import { ConsecutiveBreaker } from 'cockatiel'
import { describe, expect, it } from 'vitest'
import { createCircuitBreaker } from './circuit-breaker.js'
import { createManualClock } from './manual-clock.js'

describe('circuit breaker', () => {
  it('opens after consecutive failures, fails fast with CircuitOpenError, probes once half-open, then closes', () => {
    const clock = createManualClock(0)
    const states: string[] = []
    const c = createCircuitBreaker({
      name: 'hubspot:default',
      clock,
      breaker: new ConsecutiveBreaker(3),
      halfOpenAfterMs: 30_000,
      onStateChange: (s) => states.push(s),
    })
    for (let i = 0; i < 3; i++) c.record(c.enter(), 'failure')
    expect(c.state()).toBe('open')
    clock.advance(10_000)
    let err: any
    try {
      c.enter()
    } catch (e) {
      err = e
    }
    expect(err.name).toBe('CircuitOpenError')
    expect(err.code).toBe('PW_CIRCUIT_OPEN')
    expect(err.retryAfterMs).toBe(20_000)
    clock.advance(20_000)
    const probe = c.enter()
    expect(probe.probe).toBe(true)
    expect(c.state()).toBe('half-open')
    expect(() => c.enter()).toThrow(/half-open/)
    c.record(probe, 'success')
    expect(c.state()).toBe('closed')
    expect(c.enter().probe).toBe(false)
    expect(states).toEqual(['open', 'half-open', 'closed'])
  })

  it('re-opens when the probe fails, and lets the next call probe when the probe never reached the provider', () => {
    const clock = createManualClock(0)
    const c = createCircuitBreaker({ name: 'x', clock, breaker: new ConsecutiveBreaker(1), halfOpenAfterMs: 1000 })
    c.record(c.enter(), 'failure')
    clock.advance(1000)
    c.record(c.enter(), 'failure')
    expect(c.state()).toBe('open')
    expect(c.retryAfterMs()).toBe(1000)
    clock.advance(1000)
    c.record(c.enter(), 'neutral')
    expect(c.enter().probe).toBe(true)
  })

  it('a success in between resets the consecutive count', () => {
    const c = createCircuitBreaker({ name: 'x', clock: createManualClock(0), breaker: new ConsecutiveBreaker(2) })
    c.record(c.enter(), 'failure')
    c.record(c.enter(), 'success')
    c.record(c.enter(), 'failure')
    expect(c.state()).toBe('closed')
  })
})
