/**
 * A stored error: message, code, provider status and the folded stack. `tone` says what it means
 * for the run: `error` (it stopped the run), `warn` (being retried) or `note` (an earlier attempt
 * failed but the run went on) — only the first is red.
 */
import type { SerializedError } from '../api/types.js'

export function ErrorBox({ title, error, tone }: { title: string; error: SerializedError; tone: 'error' | 'warn' | 'note' }) {
  const line = [error.code, error.status ? `HTTP ${error.status}` : '', error.providerCode].filter(Boolean).join(' · ')
  return (
    <section class={`box ${tone}`} aria-label={title}>
      <h2>{title}</h2>
      <p class="err-msg">{error.message}</p>
      {line ? <p class="muted">{line}</p> : null}
      {error.stack ? (
        <details>
          <summary>Stack</summary>
          <pre>{error.stack}</pre>
        </details>
      ) : null}
    </section>
  )
}
