/**
 * Keyset paging shared by the list pages: the cursors of the pages before this one (the last id
 * of each), kept per filter so a new filter starts again at the newest, and the Newer/Older nav.
 */
import { useState } from 'preact/hooks'

export interface CursorPaging<C> {
  /** The cursor of this page (undefined: the newest page). */
  before: C | undefined
  /** How many pages lie before this one. */
  depth: number
  newer(): void
  older(cursor: C): void
}

export function useCursorPaging<C>(filterKey: string): CursorPaging<C> {
  const [paging, setPaging] = useState({ key: filterKey, cursors: [] as C[] })
  const cursors = paging.key === filterKey ? paging.cursors : []
  return {
    before: cursors.at(-1),
    depth: cursors.length,
    newer: () => setPaging({ key: filterKey, cursors: cursors.slice(0, -1) }),
    older: (cursor) => setPaging({ key: filterKey, cursors: [...cursors, cursor] }),
  }
}

export function Pager<C>({ paging, label, last, more }: { paging: CursorPaging<C>; label: string; last: C | undefined; more: boolean }) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" disabled={paging.depth === 0} onClick={paging.newer}>
        ← Newer
      </button>
      <span class="muted">page {paging.depth + 1}</span>
      <button type="button" disabled={!more || last === undefined} onClick={() => last !== undefined && paging.older(last)}>
        Older →
      </button>
    </nav>
  )
}
