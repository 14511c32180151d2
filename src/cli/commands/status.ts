/**
 * `pipewright status [--json]`: each pipeline, sync and connection as Active, Paused, Degraded
 * or Failing, with the reasons, from the store (the same report as `/api/v1/status`). Exits 1
 * when anything is failing, so scripts and CI can gate on it.
 * @module
 */
import { type StatusEntry, statusLabel } from '../../observe/status.js'
import { withHubState } from '../hub-state.js'
import { type CliIo, table } from '../io.js'

const MARK = { active: '✓', paused: '‖', degraded: '!', failing: '✗' } as const

export async function statusCommand(io: CliIo, opts: { db?: string; dir?: string; json?: boolean }): Promise<number> {
  const report = await withHubState(io, opts, (s) => s.status())
  if (opts.json) io.out(JSON.stringify(report))
  else {
    const section = (title: string, rows: StatusEntry[], empty: string) => {
      io.out(`${title}`)
      io.out(
        rows.length
          ? table(
              rows.map((e) => ({
                ...e,
                status: `${MARK[e.status]} ${statusLabel(e.status)}`,
                why: e.reasons.join('; ') || '-',
              })),
              ['id', 'status', 'why'],
            )
          : `  ${empty}`,
      )
      io.out('')
    }
    section('pipelines', report.pipelines, 'none loaded (./pipelines)')
    section('syncs', report.syncs, 'none loaded (./syncs)')
    section('connections', report.connections, 'none configured')
    const c = report.counts
    io.out(`${c.active} active, ${c.degraded} degraded, ${c.failing} failing, ${c.paused} paused`)
  }
  return report.counts.failing > 0 ? 1 : 0
}
