/**
 * Calls per connection in a sliding minute, from the gateway's events (the Connections page and
 * `/api/v1/connections`). One counter per hub, started with the server rather than with the API,
 * which `start` builds on its first request: calls made before anyone opened the API count too.
 * @module
 */
import type { Hub } from '../engine/hub.js'

const counters = new WeakMap<Hub, ReturnType<typeof countCalls>>()

/** The hub's call counter, started on first use and kept for the hub's life. */
export function callRates(hub: Hub) {
  const known = counters.get(hub)
  if (known) return known
  const c = countCalls(hub)
  counters.set(hub, c)
  return c
}

function countCalls(hub: Hub) {
  const calls = new Map<string, number[]>()
  const limited = new Map<string, number[]>()
  const push = (m: Map<string, number[]>, key: string) => {
    const now = hub.clock.now()
    const list = m.get(key) ?? []
    list.push(now)
    while (list.length && list[0]! < now - 60_000) list.shift()
    m.set(key, list)
  }
  const count = (m: Map<string, number[]>, key: string) => {
    const now = hub.clock.now()
    return (m.get(key) ?? []).filter((t) => t >= now - 60_000).length
  }
  hub.events.on('connector:call', (e) => {
    if (e.status === 'ok' || e.status === 'retryable' || e.status === 'permanent' || e.status === 'rate-limited')
      push(calls, `${e.connector}:${e.connection}`)
  })
  hub.events.on('connector:rateLimited', (e) => push(limited, `${e.connector}:${e.connection}`))
  hub.events.on('connector:providerLimited', (e) => push(limited, `${e.connector}:${e.connection}`))
  return {
    of: (id: string) => ({ lastMinute: count(calls, id), rateLimitedLastMinute: count(limited, id) }),
  }
}
