/**
 * A tiny method + path router for emulators: `:name` segments and a trailing `*`.
 * First registered match wins, so register specific paths before generic ones.
 * @module
 */
export interface RouteMatch<H> {
  handler: H
  params: Record<string, string>
}

interface Route<H> {
  method: string
  segments: string[]
  handler: H
}

export class Router<H> {
  readonly #routes: Route<H>[] = []

  add(method: string, pattern: string, handler: H): void {
    this.#routes.push({ method: method.toUpperCase(), segments: split(pattern), handler })
  }

  /** The first route matching method and path, or null; `allowed` lists methods that matched the path. */
  match(method: string, path: string): { match: RouteMatch<H> | null; pathKnown: boolean } {
    const parts = split(path)
    let pathKnown = false
    for (const r of this.#routes) {
      const params = matchSegments(r.segments, parts)
      if (params === null) continue
      pathKnown = true
      if (r.method === method.toUpperCase() || r.method === '*') return { match: { handler: r.handler, params }, pathKnown }
    }
    return { match: null, pathKnown }
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0)
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]
    if (p === '*') {
      params['*'] = parts.slice(i).map(decodeSafe).join('/')
      return params
    }
    const part = parts[i]
    if (part === undefined) return null
    if (p.startsWith(':')) params[p.slice(1)] = decodeSafe(part)
    else if (p !== part) return null
  }
  return parts.length === pattern.length ? params : null
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
