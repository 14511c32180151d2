/**
 * "Did you mean …?" for misspelt keys and names: the closest candidate by edit distance,
 * when it is close enough to be a likely typo.
 * @module
 */

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]!
}

/** The candidate nearest to `word` (case-insensitive), or undefined when none is within a third of its length. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase())
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.ceil(word.length / 3)) ? best : undefined
}

/** `; did you mean "x"?` or `; known: a, b, c`. */
export function hint(word: string, candidates: readonly string[]): string {
  const n = nearest(word, candidates)
  return n ? `; did you mean "${n}"?` : `; known: ${candidates.join(', ')}`
}
