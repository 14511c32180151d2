/**
 * Which environment values a pipeline uses as credentials, whatever the variables are called:
 * an `env()` reference or `${VAR}` placeholder under a credential-like key (`authorization`,
 * `token`, `secret`, `password`, `apiKey`, `auth: { … }`, `x-…-key` headers…), after `Bearer ` /
 * `Basic ` / `Token `, in a URL's user info, or as a query parameter named like one
 * (`?api_key=${KEY}`). Their values are masked wherever the hub writes or prints (redactor).
 * @module
 */
import { isEnvRef } from './define.js'

const CREDENTIAL_KEY = /auth|secret|token|passw|pwd|api[-_]?key|apikey|private[-_]?key|credential|cookie|signature|signing|bearer|session/i
const PLACEHOLDER = /\$\{([A-Z_][A-Z0-9_]*)(?::-[^}]*)?\}/g
/** Text right before a placeholder that makes it a credential. */
const CREDENTIAL_PREFIX =
  /(?:\b(?:bearer|basic|token|apikey)\s+$)|(?:[?&][^=&]*(?:key|token|secret|sig|auth|passw)[^=&]*=$)|(?::\/\/[^/@\s]*:$)/i

/** Values (from `env`) of the variables `raw` uses in a credential position. */
export function credentialEnvValues(raw: unknown, env: Record<string, string | undefined>): string[] {
  const names = new Set<string>()
  const walk = (v: unknown, credential: boolean, depth: number) => {
    if (depth > 32) return
    if (isEnvRef(v)) {
      if (credential) names.add(v.name)
      return
    }
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) {
        if (credential || CREDENTIAL_PREFIX.test(v.slice(0, m.index))) names.add(m[1]!)
      }
      return
    }
    if (typeof v !== 'object' || v === null) return
    if (Array.isArray(v)) {
      for (const x of v) walk(x, credential, depth + 1)
      return
    }
    const params = (v as { params?: unknown }).params
    if (params !== undefined && Object.getPrototypeOf(v) !== Object.prototype) walk(params, credential, depth + 1)
    for (const [k, x] of Object.entries(v)) walk(x, credential || CREDENTIAL_KEY.test(k), depth + 1)
  }
  walk(raw, false, 0)
  return [...names].map((n) => env[n]).filter((x): x is string => typeof x === 'string' && x !== '')
}
