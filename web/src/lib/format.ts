/** Numbers, durations and plurals as the dashboard writes them (English, exact counts). */

/** 1234 → "1,234": counts are always exact and grouped. */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US')

/** plural(1, 'run') → "1 run"; plural(1500, 'dead letter') → "1,500 dead letters". */
export const plural = (n: number, noun: string, nouns = `${noun}s`): string => `${count(n)} ${n === 1 ? noun : nouns}`

/** A duration in ms as people read it: "240 ms", "3.2 s", "4 min 12 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return ''
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** How long ago `ms` was: "12 s ago", "5 min ago", "3 h ago", then the date. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000)
  if (s < 60) return `${Math.max(s, 0)} s ago`
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86400) return `${Math.round(s / 3600)} h ago`
  return new Date(ms).toLocaleDateString()
}

/** JSON for display, cut at `max` characters with a note of how much was left out. */
export function jsonText(value: unknown, max = 20_000): string {
  let text = value === undefined ? '' : (JSON.stringify(value, null, 2) ?? 'null')
  if (text.length > max) text = `${text.slice(0, max)}\n… (${count(text.length - max)} more characters)`
  return text
}
