/**
 * Redaction of secrets and configured PII paths from anything stored or logged: values of
 * secret-looking keys, configured dot-paths, and known secret strings wherever they appear.
 * @module
 */
import { isSealed } from '../privacy/cipher.js'

const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|password|passwd|secret|client_secret|token|access_token|refresh_token|api[-_]?key|x-api-key|x-webhook-secret|x-clay-webhook-auth|private[-_]?key)$/i
const MASK = '[redacted]'
/** What a sealed PII field (src/privacy) shows as wherever it is printed. */
export const SEALED_MASK = '[encrypted]'

export interface Redactor {
  /** Deep copy of `v` with secrets masked (returns `v` itself when nothing needed masking). */
  value<T>(v: T): T
  /** A string with known secret values masked. */
  text(s: string): string
  /** Mask these values too from now on (pipelines reloaded by `dev` bring their credentials). */
  addSecrets(values: readonly string[]): void
}

export interface RedactOptions {
  /** Secret values to mask wherever they appear (tokens from the environment, webhook secrets). */
  secrets?: string[]
  /** Dot-paths to mask, e.g. `event.phone`, `lead.email`. `*` matches one level. */
  paths?: string[]
}

export function createRedactor(options: RedactOptions = {}): Redactor {
  const usable = (list: readonly string[]) => list.filter((s) => typeof s === 'string' && s.length >= 6)
  // Longest first, so a secret that contains another is masked whole.
  let secrets = [...new Set(usable(options.secrets ?? []))].sort((a, b) => b.length - a.length)
  const paths = (options.paths ?? []).map((p) => p.split('.'))
  const text = (s: string): string => {
    if (secrets.length === 0) return s
    let out = s
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK)
    return out
  }
  const walk = (v: unknown, path: string[], depth: number): unknown => {
    if (typeof v === 'string') return isSealed(v) ? SEALED_MASK : text(v)
    if (typeof v !== 'object' || v === null || depth > 24) return v
    if (Array.isArray(v)) {
      let changed = false
      const out = v.map((x) => {
        const r = walk(x, path, depth + 1)
        if (r !== x) changed = true
        return r
      })
      return changed ? out : v
    }
    let out: Record<string, unknown> | null = null
    for (const [k, x] of Object.entries(v)) {
      const here = [...path, k]
      const masked =
        SECRET_KEY.test(k) || paths.some((p) => matches(p, here)) ? (x === null || x === undefined ? x : MASK) : walk(x, here, depth + 1)
      if (masked !== x) {
        out ??= { ...(v as Record<string, unknown>) }
        out[k] = masked
      }
    }
    return out ?? v
  }
  const addSecrets = (values: readonly string[]) => {
    secrets = [...new Set([...secrets, ...usable(values)])].sort((a, b) => b.length - a.length)
  }
  return { value: <T>(v: T) => walk(v, [], 0) as T, text, addSecrets }
}

function matches(pattern: string[], path: string[]): boolean {
  if (pattern.length !== path.length) return false
  return pattern.every((p, i) => p === '*' || p === path[i])
}
