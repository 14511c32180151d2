/** JSON shown as text (never as HTML), cut when very long. */
import { jsonText } from '../lib/format.js'

export function JsonView({ value, max }: { value: unknown; max?: number }) {
  return <pre class="json">{jsonText(value, max) || 'null'}</pre>
}

/** One line of JSON as a summary that unfolds to the whole value. */
export function JsonPreview({ value }: { value: unknown }) {
  if (value === undefined) return null
  const line = JSON.stringify(value) ?? 'null'
  return (
    <details>
      <summary class="mono">{line.length > 80 ? `${line.slice(0, 80)}…` : line}</summary>
      <JsonView value={value} />
    </details>
  )
}
