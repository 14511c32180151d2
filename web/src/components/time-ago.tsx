/** A moment as "5 min ago", with the full date and time on hover and in the markup. */
import { ago } from '../lib/format.js'

export function TimeAgo({ ms }: { ms: number | null | undefined }) {
  if (!ms) return null
  const d = new Date(ms)
  return (
    <time dateTime={d.toISOString()} title={d.toLocaleString()}>
      {ago(ms)}
    </time>
  )
}
