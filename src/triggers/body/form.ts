/**
 * `application/x-www-form-urlencoded` bodies (Slack slash commands and interactivity, HTML
 * forms). Fields become an object; a repeated field becomes an array. A `payload` field
 * holding JSON (Slack interactivity) is parsed in place.
 * @module
 */
import { parseJson } from './json-error.js'
import { type BodyProblem, malformed } from './problem.js'

export function parseForm(text: string): { value: Record<string, unknown> } | BodyProblem {
  const out: Record<string, unknown> = {}
  for (const [key, value] of new URLSearchParams(text)) {
    if (!Object.hasOwn(out, key)) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
    else {
      const prev = out[key]
      out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value]
    }
  }
  if (typeof out.payload === 'string') {
    const parsed = parseJson(out.payload)
    if ('error' in parsed)
      return malformed(`form field "payload" is not valid JSON: ${parsed.error}`, { field: 'payload', ...parsed.where })
    out.payload = parsed.value
  }
  return { value: out }
}
