/**
 * Hash routing: `#/<page>/<param>?<query>`. Filters live in the query so a filtered view can be
 * bookmarked, shared and reached with the back button.
 */
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  /** Path segments, decoded: `#/runs/run_1` → ['runs', 'run_1']. */
  segments: string[]
  query: URLSearchParams
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '')
  const q = raw.indexOf('?')
  const path = q === -1 ? raw : raw.slice(0, q)
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    })
  return { segments, query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) }
}

/** `#/runs/run_1?status=dead` from parts; empty query values are left out. */
export function href(segments: string[], query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v)
  const s = q.toString()
  return `#/${segments.map(encodeURIComponent).join('/')}${s ? `?${s}` : ''}`
}

/** The current route, re-rendering on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash))
    window.addEventListener('hashchange', update)
    return () => window.removeEventListener('hashchange', update)
  }, [])
  return route
}
