/** Coloured labels for run/step statuses and dead-letter reasons (classes in styles/app.css). */
import { DEAD_REASONS, RUN_STATUSES } from '../api/types.js'

const STATUS_CLASSES = new Set<string>([...RUN_STATUSES, 'failed', 'skipped'])
const REASON_CLASSES = new Set<string>(DEAD_REASONS)

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge s-${STATUS_CLASSES.has(status) ? status : 'other'}`}>{status}</span>
}

export function ReasonBadge({ reason }: { reason: string }) {
  return <span class={`badge r-${REASON_CLASSES.has(reason) ? reason : 'other'}`}>{reason}</span>
}
