/**
 * Conflict markers for text fields (`conflict: markers`): when both sides changed a markdown
 * body since the last sync, the winner's text is kept and the loser's follows in a section of
 * its own, written to both sides, so no edit is lost silently. The section is plain markdown
 * (a rule, a heading, a note, the losing text), so it survives a trip through Notion; remove
 * it once resolved, and that removal syncs like any edit.
 * @module
 */

export interface ConflictInfo {
  /** Who won and lost: a name for each side (`folder`, `notion`, or `a`/`b`). */
  winner: string
  loser: string
  winnerAt: number | null | undefined
  loserAt: number | null | undefined
}

const when = (t: number | null | undefined) => (t === null || t === undefined ? 'at an unknown time' : `at ${new Date(t).toISOString()}`)

/** The heading that starts a conflict section (tests and tools look for it). */
export const CONFLICT_HEADING = 'Sync conflict'

/** The winner's text followed by a conflict section holding the loser's text. */
export function withConflictSection(winnerText: string, loserText: string, info: ConflictInfo): string {
  const kept = winnerText.replace(/\s+$/, '')
  const lost = loserText.replace(/\s+$/, '')
  return [
    ...(kept ? [kept, ''] : []),
    '***',
    '',
    `## ${CONFLICT_HEADING}: the ${info.loser} version`,
    '',
    `> Both copies changed since the last sync. The ${info.winner} version (edited ${when(info.winnerAt)}) is kept above; the ${info.loser} version (edited ${when(info.loserAt)}) follows. Delete this section once resolved.`,
    '',
    ...(lost ? [lost, ''] : []),
  ].join('\n')
}
