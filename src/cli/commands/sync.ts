/**
 * `pipewright sync list | status <id> | conflicts <id> | plan <id> | run <id>`: thin shells over
 * src/sync/status.ts and the sync runner (the same calls `/api/v1/syncs…` makes).
 *
 * - `list`, `status`, `conflicts` read the store only (no provider is called).
 * - `plan` reads both sides and prints what a pass would create, update, delete and archive on
 *   each side; it writes nothing (no store row, no provider write).
 * - `run` runs a pass in this process (its write runs execute here), waits for its writes and
 *   prints the report; exit 1 when a write died or is still pending, or another process holds
 *   the sync, or it is paused (`--force` runs a paused sync's pass anyway). `--repair` makes either a drift repair: a full comparison of both sides.
 * @module
 */
import { systemClock } from '../../engine/clock.js'
import { ConfigError, ErrorCodes, formatProblem, isPipewrightError } from '../../errors.js'
import { tryParseDuration } from '../../pipeline/duration.js'
import { createRuntime, DEFAULT_DATABASE_URL, type RuntimeOptions, resolveSqlitePath } from '../../runtime.js'
import type { Store } from '../../store/contract.js'
import { createStore } from '../../store/index.js'
import { loadSyncs } from '../../sync/load.js'
import type { PassReport, RepairFix } from '../../sync/report.js'
import { type SyncStatus, syncConflicts, syncStatus, syncSummary } from '../../sync/status.js'
import type { CompiledSync } from '../../sync/types.js'
import { type CliIo, table, UsageError } from '../io.js'
import { sandboxOverrides } from './sandbox.js'

export interface SyncCliOptions {
  db?: string
  /** Syncs directory. @defaultValue ./syncs */
  syncs?: string
  dir?: string
  json?: boolean
}

/** Runtime settings a caller adds (tests: the `memory` connector and its tables). */
export type SyncCliRuntime = Partial<RuntimeOptions>

const syncsDir = (io: CliIo, o: SyncCliOptions) => resolvePath(io.cwd, o.syncs ?? 'syncs')
const resolvePath = (cwd: string, p: string) => (p.startsWith('/') ? p : `${cwd}/${p}`)

async function load(io: CliIo, o: SyncCliOptions): Promise<CompiledSync[]> {
  return loadSyncs(syncsDir(io, o), { env: io.env, cwd: io.cwd })
}

function pick(syncs: CompiledSync[], id: string): CompiledSync {
  const s = syncs.find((x) => x.id === id)
  if (!s)
    throw new UsageError(`no sync "${id}"; loaded: ${syncs.map((x) => x.id).join(', ') || '(none; syncs go in syncs/*.ts or *.yaml)'}`)
  return s
}

async function withStore<T>(io: CliIo, o: SyncCliOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await createStore(resolveSqlitePath(o.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  await store.migrate()
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** Problems in a sync definition: printed one a line, exit 1. */
async function guarded(io: CliIo, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn()
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} in the syncs:`)
      for (const p of e.problems) io.err(`  - ${formatProblem(p)}`)
      return 1
    }
    throw e
  }
}

const every = (ms: number | null) => (ms === null ? 'never' : formatMs(ms))

function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  return `${ms}ms`
}

const iso = (t: number | null | undefined) => (t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-')

export async function syncList(io: CliIo, o: SyncCliOptions): Promise<number> {
  return guarded(io, async () => {
    const syncs = await load(io, o)
    const rows = await withStore(io, o, (store) => Promise.all(syncs.map((s) => syncSummary(store, s, systemClock.now()))))
    if (o.json) {
      io.out(JSON.stringify({ syncs: rows }))
      return 0
    }
    if (rows.length === 0) {
      io.out(`no syncs in ${syncsDir(io, o)}; define one in syncs/<id>.ts or syncs/<id>.yaml (docs/sync.md)`)
      return 0
    }
    io.out(
      table(
        rows.map((r) => ({
          id: r.id,
          a: r.sides.a,
          b: r.sides.b,
          every: every(r.schedule.everyMs),
          repair: every(r.schedule.repairEveryMs),
          linked: r.links.linked,
          unmatched: r.links.unmatched,
          ambiguous: r.links.ambiguous,
          pending: r.pending,
          conflicts: r.conflicts,
          'last pass': r.lastPass ? iso(r.lastPass.finishedAt) : 'never',
        })),
        ['id', 'a', 'b', 'every', 'repair', 'linked', 'unmatched', 'ambiguous', 'pending', 'conflicts', 'last pass'],
      ),
    )
    for (const r of rows) for (const w of r.warnings) io.err(`warning: ${formatProblem(w)}`)
    return 0
  })
}

export async function syncStatusCommand(io: CliIo, id: string, o: SyncCliOptions): Promise<number> {
  return guarded(io, async () => {
    const sync = pick(await load(io, o), id)
    const status = await withStore(io, o, (store) => syncStatus(store, sync, systemClock.now()))
    if (o.json) io.out(JSON.stringify(status))
    else printStatus(io, status)
    return 0
  })
}

function printStatus(io: CliIo, s: SyncStatus): void {
  io.out(`sync ${s.id}: ${s.sides.a} (a) ↔ ${s.sides.b} (b)${s.description ? ` — ${s.description}` : ''}`)
  io.out(`  polls every ${every(s.schedule.everyMs)}; drift repair every ${every(s.schedule.repairEveryMs)}`)
  io.out(
    `  links: ${s.links.linked} linked, ${s.links.unmatched} unmatched, ${s.links.ambiguous} ambiguous, ${s.links.deleted} ended by a deletion`,
  )
  io.out(`  pending: ${s.pending} record(s) to look at again; conflicts: ${s.conflicts}`)
  io.out(`  last pass: ${s.lastPass ? passLine(s.lastPass) : 'never'}`)
  io.out(`  last drift repair: ${s.lastRepair ? `${passLine(s.lastRepair)}, ${s.lastRepair.repaired} fixed` : 'never'}`)
  for (const f of s.lastRepair?.fixed.slice(0, 10) ?? []) io.out(`    ${fixLine(f)}`)
  if ((s.lastRepair?.repaired ?? 0) > 10) io.out(`    … and ${s.lastRepair!.repaired - 10} more (--json lists up to 1000)`)
  if (s.nextRepairAt !== null) io.out(`  next drift repair due: ${iso(s.nextRepairAt)}`)
  for (const w of s.warnings) io.out(`  warning: ${formatProblem(w)}`)
}

function passLine(r: Omit<PassReport, 'planned'>): string {
  const w = (side: 'a' | 'b') => Object.values(r.writes[side]).reduce((x, y) => x + y, 0)
  return `${iso(r.finishedAt)} (${r.mode}): read a ${r.read.a}, b ${r.read.b}; wrote a ${w('a')}, b ${w('b')}; runs ${r.runs.succeeded} succeeded, ${r.runs.dead} dead, ${r.runs.pending} pending`
}

export async function syncConflictsCommand(io: CliIo, id: string, o: SyncCliOptions & { limit?: string }): Promise<number> {
  return guarded(io, async () => {
    const sync = pick(await load(io, o), id)
    const limit = Number(o.limit ?? 50)
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${o.limit}: a whole number ≥ 1`)
    const rows = await withStore(io, o, (store) => syncConflicts(store, sync, { limit }))
    if (o.json) {
      io.out(JSON.stringify({ conflicts: rows }))
      return 0
    }
    if (rows.length === 0) {
      io.out(`no conflicts recorded for sync ${id}`)
      return 0
    }
    io.out(
      table(
        rows.map((c) => ({
          at: c.createdAt,
          link: c.linkId,
          field: c.field,
          a: c.aValue,
          b: c.bValue,
          winner: c.winner,
          reason: c.reason,
        })),
        ['at', 'link', 'field', 'a', 'b', 'winner', 'reason'],
      ),
    )
    return 0
  })
}

type PassCliOptions = SyncCliOptions & { repair?: boolean; sandbox?: boolean; maxWait?: string; force?: boolean }

async function withRuntime<T>(
  io: CliIo,
  o: PassCliOptions,
  worker: boolean,
  extra: SyncCliRuntime,
  fn: (rt: Awaited<ReturnType<typeof createRuntime>>) => Promise<T>,
): Promise<T> {
  const sandbox = o.sandbox ? await sandboxOverrides() : null
  let rt: Awaited<ReturnType<typeof createRuntime>> | null = null
  try {
    rt = await createRuntime({
      cwd: io.cwd,
      env: io.env,
      ...(o.dir ? { pipelinesDir: resolvePath(io.cwd, o.dir) } : {}),
      syncsDir: syncsDir(io, o),
      ...(o.db ? { databaseUrl: o.db } : {}),
      scheduler: false,
      worker,
      logLevel: 'silent',
      observe: false,
      connectionOverrides: sandbox?.env,
      allowPrivateNetwork: sandbox?.allowPrivateNetwork,
      ...extra,
    })
    return await fn(rt)
  } finally {
    await rt?.close(2000)
    await sandbox?.close()
  }
}

export async function syncPlan(io: CliIo, id: string, o: PassCliOptions, extra: SyncCliRuntime = {}): Promise<number> {
  return guarded(io, () =>
    withRuntime(io, o, false, extra, async (rt) => {
      pick(rt.syncs.syncs(), id)
      const report = await rt.syncs.plan(id, { mode: o.repair ? 'repair' : 'incremental' })
      if (o.json) io.out(JSON.stringify(report))
      else printReport(io, report, rt.syncs.get(id))
      return 0
    }),
  )
}

export async function syncRun(io: CliIo, id: string, o: PassCliOptions, extra: SyncCliRuntime = {}): Promise<number> {
  const settle = tryParseDuration(o.maxWait ?? '5m')
  if (typeof settle === 'string') throw new UsageError(`--max-wait: ${settle}`)
  return guarded(io, () =>
    withRuntime(io, o, true, { ...extra }, async (rt) => {
      pick(rt.syncs.syncs(), id)
      let report: PassReport
      try {
        report = await rt.syncs.run(id, { mode: o.repair ? 'repair' : 'incremental', settleTimeoutMs: settle, force: o.force })
      } catch (e) {
        if (isPipewrightError(e) && (e.code === ErrorCodes.SYNC_BUSY || e.code === ErrorCodes.SYNC_PAUSED)) {
          io.err(`pipewright: ${e.message}`)
          return 1
        }
        throw e
      }
      if (o.json) io.out(JSON.stringify(report))
      else printReport(io, report, rt.syncs.get(id))
      return report.runs.dead > 0 || report.runs.pending > 0 ? 1 : 0
    }),
  )
}

function printReport(io: CliIo, r: PassReport, sync: CompiledSync): void {
  const ref = (s: CompiledSync['sides']['a']) => `${s.kind}:${s.connection}/${s.object}`
  const kind = r.mode === 'repair' ? 'drift repair (full comparison)' : 'incremental pass'
  io.out(`${r.dryRun ? 'plan' : 'run'} of sync ${r.sync}: ${kind}${r.dryRun ? ' — nothing was written' : ''}`)
  io.out(`  read: a ${r.read.a}, b ${r.read.b} record(s)${r.more ? ' (more changes wait)' : ''}; unchanged (echoes): ${r.echoes}`)
  io.out(
    `  matched: ${r.matched.key} by key, ${r.matched.fallback} by fallback; unmatched: ${r.unmatched}; ambiguous: ${r.ambiguous.length}`,
  )
  for (const side of ['a', 'b'] as const) {
    const w = r.writes[side]
    io.out(
      `  side ${side} (${ref(sync.sides[side])}): ${w.create} to create, ${w.update} to update, ${w.delete} to delete, ${w.archive} to archive`,
    )
  }
  if (r.relations) io.out(`  relations to set or unset: ${r.relations}`)
  if (r.conflicts) io.out(`  conflicts: ${r.conflicts} (pipewright sync conflicts ${r.sync})`)
  if (r.paused || r.outOfScope || r.deferred || r.deletesIgnored)
    io.out(`  paused: ${r.paused}; out of scope: ${r.outOfScope}; deferred: ${r.deferred}; deletions ignored: ${r.deletesIgnored}`)
  if (r.mode === 'repair') io.out(`  drift repaired: ${r.repaired} link(s)`)
  for (const f of r.fixed.slice(0, 20)) io.out(`    ${fixLine(f)}`)
  for (const g of r.ambiguous.slice(0, 20))
    io.out(`    ambiguous ${g.via} ${g.key}: ${g.records.map((x) => `${x.side}:${x.id}`).join(', ')} — not merged; fix the duplicates`)
  if (!r.dryRun) io.out(`  runs: ${r.runs.started} started, ${r.runs.succeeded} succeeded, ${r.runs.dead} dead, ${r.runs.pending} pending`)
  if (r.planned.length)
    io.out(
      table(
        r.planned.slice(0, 50).map((p) => ({ side: p.side, op: p.op, record: p.id ?? '(new)', fields: p.fields ?? null })),
        ['side', 'op', 'record', 'fields'],
      ),
    )
  if (r.planned.length > 50) io.out(`  … and ${r.planned.length - 50} more (--json lists up to 1000)`)
}

/** `fields  link lnk_… (a crm-1, b hub-2): b plan` */
function fixLine(f: RepairFix): string {
  const fields = f.fields
    ? `: ${Object.entries(f.fields)
        .map(([side, names]) => `${side} ${names?.join(', ')}`)
        .join('; ')}`
    : ''
  return `${f.kind.padEnd(7)} link ${f.linkId} (a ${f.a ?? '-'}, b ${f.b ?? '-'})${fields}`
}
