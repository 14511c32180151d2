/**
 * Series labels as one canonical string (`connection=hubspot%3Amain,connector=hubspot`):
 * keys sorted, values percent-encoded, so equal label sets are equal strings in the store.
 * @module
 */

export type Labels = Record<string, string>

export function formatLabels(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(labels[k]!)}`)
    .join(',')
}

export function parseLabels(text: string): Labels {
  const out: Labels = {}
  if (text === '') return out
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=')
    out[pair.slice(0, eq)] = decodeURIComponent(pair.slice(eq + 1))
  }
  return out
}

/** `<connector>:<name>`, the key of a connection everywhere (limits, budgets, alerts). */
export function connectionKey(connector: string, connection: string): string {
  return `${connector}:${connection}`
}
