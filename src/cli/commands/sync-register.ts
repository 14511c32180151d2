/**
 * The `pipewright sync …` command tree (registered from main.ts in one line).
 * @module
 */
import type { Command } from 'commander'
import type { CliIo } from '../io.js'

/** The commands' module loads when one of them runs. */
const load = () => import('./sync.js')

export function registerSyncCommands(program: Command, set: (p: Promise<number>) => Promise<void>, io: CliIo): void {
  const sync = program.command('sync').description('two-way syncs (syncs/*.ts|yaml): list, plan, run, status, conflicts')
  const common = (c: Command) =>
    c
      .option('--db <url>', 'database URL (default PIPEWRIGHT_DATABASE_URL or sqlite:.pipewright/pipewright.db)')
      .option('--syncs <path>', 'syncs directory (default: ./syncs)')
      .option('--json', 'machine-readable output')
  common(sync.command('list').description('every sync with its links, pending records, conflicts and last pass')).action((o) =>
    set(load().then((m) => m.syncList(io, o))),
  )
  common(sync.command('status <id>').description('one sync: links, pending, conflicts, cursors, last pass and last drift repair')).action(
    (id, o) => set(load().then((m) => m.syncStatusCommand(io, id, o))),
  )
  common(sync.command('conflicts <id>').description('conflicts recorded (both values and the winner), newest first'))
    .option('--limit <n>', 'rows', '50')
    .action((id, o) => set(load().then((m) => m.syncConflictsCommand(io, id, o))))
  const pass = (c: Command) =>
    common(c)
      .option('--repair', 'a drift repair: compare both sides in full instead of reading changes since the cursors')
      .option('--dir <path>', 'pipelines directory (default: ./pipelines)')
      .option('--sandbox', 'point connectors at local emulators')
  pass(
    sync.command('plan <id>').description('dry run: what a pass would create, update, delete and archive on each side; writes nothing'),
  ).action((id, o) => set(load().then((m) => m.syncPlan(io, id, o))))
  pass(sync.command('run <id>').description('run a pass now in this process and wait for its writes; exit 1 if a write died or is pending'))
    .option('--max-wait <duration>', 'how long to wait for the writes', '5m')
    .option('--force', 'run the pass even though the sync is paused')
    .action((id, o) => set(load().then((m) => m.syncRun(io, id, o))))
}
