/**
 * One pass of the reconcile loop (see ARCHITECTURE.md beside this file):
 *
 *   read changes (or scan, for drift repair) + the dirty set
 *   → find links → skip echoes (values equal to the shadow) → fetch counterparts
 *   → decide each changed link (plan.ts) → match records without a link (match.ts)
 *   → record links (phase 1) → start write runs → record shadows, conflicts, dirty, cursors (phase 2)
 *   → wait for the runs (bounded)
 *
 * A dry run (`plan`) stops before phase 1 and writes nothing. Every step is safe to repeat: a
 * crash before phase 2 re-reads from the old cursor, and the same writes get the same delivery
 * ids, so they start no second run.
 * @module
 */
import { createHash } from 'node:crypto'
import { newId } from '../ids.js'
import type { SourceRecord } from '../sources/contract.js'
import type { Store } from '../store/contract.js'
import type { SyncConflict, SyncDirty, SyncLink, SyncShadow } from '../store/sync-contract.js'
import type { Clock, RunStatus } from '../types.js'
import { type Candidate, matchCandidates } from './match.js'
import { createFields, type LinkPlan, planLink, shadowValues } from './plan.js'
import { fetchRecords, other, readChanges, SIDES, type SideRead, scanAll } from './read.js'
import { emptyReport, type PassReport, type PlannedWrite, type RepairFix, reportFix, reportWrite } from './report.js'
import type { SyncSide } from './side.js'
import type { CompiledSync, SyncSideName } from './types.js'
import { hashValues, plain, sameValue, truthy } from './values.js'
import { jobKeyOf, pendingMarker, type SideOp, WRITE_BATCH, type WriteBatch, type WriteJob, writeBatch } from './writes.js'

export interface PassEnv {
  sync: CompiledSync
  store: Store
  sides: { a: SyncSide; b: SyncSide }
  clock: Clock
  /** Start write runs; returns each batch's run id (the existing run for a batch already started). */
  startWrites(batches: WriteBatch[]): Promise<string[]>
  /** Status of the run a link's pending marker names, or null when no run carries it. */
  jobStatus(marker: string): Promise<RunStatus | null>
  /** Wait until these runs (and runs they moved jobs to) end, at most `timeoutMs`; counts by final status. */
  awaitRuns(runIds: string[], timeoutMs: number): Promise<{ runs: number; counts: Partial<Record<RunStatus, number>> }>
}

export interface PassOptions {
  mode?: 'incremental' | 'repair'
  /** Plan only: read and decide, write nothing. */
  dryRun?: boolean
  /** Most changed records read per side in one pass. @defaultValue 50000 */
  maxRecords?: number
  pageSize?: number
  /** Links one write run carries at most. @defaultValue 100 */
  batchSize?: number
  /** How long the pass waits for its write runs. @defaultValue 60000 */
  settleTimeoutMs?: number
  signal?: AbortSignal
}

type Item = { link: SyncLink; a?: SourceRecord | null; b?: SourceRecord | null; reason: string }

export async function runPass(env: PassEnv, options: PassOptions = {}): Promise<PassReport> {
  return new Pass(env, options).run()
}

class Pass {
  readonly sync: CompiledSync
  readonly report: PassReport
  readonly now: number
  readonly norm: { a: (f: string, v: unknown) => unknown; b: (f: string, v: unknown) => unknown }
  /** Relation fields of side a are tracked with its mapped fields (a changed foreign key is a change). */
  readonly tracked: { a: string[]; b: string[] }
  readonly links = new Map<string, SyncLink>()
  readonly byRecord = { a: new Map<string, SyncLink>(), b: new Map<string, SyncLink>() }
  readonly shadows = new Map<string, SyncShadow>()
  readonly records = { a: new Map<string, SourceRecord | null>(), b: new Map<string, SourceRecord | null>() }
  // what the pass decides
  readonly linkWrites = new Map<string, SyncLink>()
  readonly jobs: WriteJob[] = []
  readonly newShadows: SyncShadow[] = []
  readonly conflicts: SyncConflict[] = []
  readonly dirty: SyncDirty[] = []

  constructor(
    readonly env: PassEnv,
    readonly options: PassOptions,
  ) {
    this.sync = env.sync
    this.now = env.clock.now()
    this.report = emptyReport(this.sync.id, options.mode ?? 'incremental', options.dryRun ?? false, this.now)
    const id = (_f: string, v: unknown) => v
    this.norm = { a: env.sides.a.normalize?.bind(env.sides.a) ?? id, b: env.sides.b.normalize?.bind(env.sides.b) ?? id }
    const aFields = this.sync.fields.map((f) => f.a)
    this.tracked = {
      a: [...aFields, ...this.sync.relations.map((r) => r.field).filter((f) => !aFields.includes(f))],
      b: this.sync.fields.map((f) => f.b),
    }
  }

  async run(): Promise<PassReport> {
    const { sync, env, options } = this
    const repair = options.mode === 'repair'
    const reads: Record<SyncSideName, SideRead> = { a: emptyRead(), b: emptyRead() }
    for (const side of SIDES) {
      reads[side] = repair
        ? await scanAll(env.sides[side], { pageSize: options.pageSize, signal: options.signal })
        : await readChanges(env.sides[side], (await env.store.sync.getCursor(sync.id, side)) as never, {
            max: options.maxRecords ?? 50_000,
            pageSize: options.pageSize,
            signal: options.signal,
          })
      for (const [id, r] of reads[side].records) this.records[side].set(id, r.deleted ? null : r)
      this.report.read[side] = reads[side].records.size
    }
    this.report.more = reads.a.more || reads.b.more
    const dirty = await env.store.sync.listDirty(sync.id, 5000)
    await this.loadLinks(dirty, repair)
    const items = await this.collect(repair, dirty)
    await this.fetchMissing(items)
    for (const item of items) await this.decide(item, repair)
    await this.matchUnlinked()
    if (options.dryRun) return this.finish()
    const batches = this.batches()
    // phase 1: links (before any run can record over them)
    if (this.linkWrites.size) {
      // retired half-links first: they free the record ids the merged links take (unique per sync)
      const links = [...this.linkWrites.values()].sort(
        (x, y) => Number(x.aId !== null || x.bId !== null) - Number(y.aId !== null || y.bId !== null),
      )
      await env.store.sync.apply(sync.id, { links })
    }
    const runIds = batches.length ? await env.startWrites(batches) : []
    this.report.runs.started = runIds.length
    // phase 2
    await env.store.sync.apply(sync.id, {
      shadows: this.newShadows,
      conflicts: this.conflicts,
      dirty: this.dirty,
      clean: dirty.map((d) => ({ side: d.side, recordId: d.recordId, upTo: d.at })),
      cursors: repair ? [] : SIDES.filter((s) => reads[s].cursor).map((s) => ({ side: s, cursor: reads[s].cursor, at: this.now })),
    })
    if (runIds.length) {
      const { runs, counts } = await env.awaitRuns(runIds, options.settleTimeoutMs ?? 60_000)
      // runs started for jobs a write run moved out of its batch count as started by this pass
      this.report.runs.started = runs
      this.report.runs.succeeded = counts.succeeded ?? 0
      this.report.runs.dead = counts.dead ?? 0
      this.report.runs.pending = runs - (counts.succeeded ?? 0) - (counts.dead ?? 0) - (counts.filtered ?? 0)
    }
    return this.finish()
  }

  get repairing(): boolean {
    return this.options.mode === 'repair'
  }

  fix(f: RepairFix) {
    reportFix(this.report, f)
  }

  finish(): PassReport {
    this.report.conflicts = this.conflicts.length
    this.report.finishedAt = this.env.clock.now()
    return this.report
  }

  /**
   * The jobs as write runs of up to `batchSize` links, jobs of one shape together (creates on b,
   * updates on b, …) so each run's writes fill the same provider batches; the order is the plan's,
   * so a pass re-planned after a crash makes the same batches. Each link's pending marker names
   * its batch and its job.
   */
  batches(): WriteBatch[] {
    const size = Math.max(1, this.options.batchSize ?? WRITE_BATCH)
    const shape = (j: WriteJob) => `${j.a?.op ?? '-'}/${j.b?.op ?? '-'}/${j.relations?.length ? 'r' : '-'}`
    const groups = new Map<string, WriteJob[]>()
    for (const j of this.jobs) {
      const g = groups.get(shape(j))
      if (g) g.push(j)
      else groups.set(shape(j), [j])
    }
    const out: WriteBatch[] = []
    for (const g of groups.values()) for (let i = 0; i < g.length; i += size) out.push(writeBatch(this.sync.id, g.slice(i, i + size)))
    for (const b of out)
      for (const j of b.jobs) {
        const l = this.linkWrites.get(j.linkId)
        if (l) this.linkWrites.set(j.linkId, { ...l, pendingRun: pendingMarker(b.key, j.key) })
      }
    return out
  }

  /** Links of every record read or dirty (every link, in repair mode), with their shadows. */
  async loadLinks(dirty: SyncDirty[], repair: boolean) {
    const { store } = this.env
    const id = this.sync.id
    const found: SyncLink[] = []
    if (repair) {
      for (let after: string | undefined; ; ) {
        const page = await store.sync.listLinks(id, { limit: 1000, ...(after ? { after } : {}) })
        found.push(...page)
        if (page.length < 1000) break
        after = page[page.length - 1]!.id
      }
    } else {
      for (const side of SIDES) {
        const ids = new Set(this.records[side].keys())
        for (const d of dirty) if (d.side === side) ids.add(d.recordId)
        found.push(...(await store.sync.linksByRecord(id, side, [...ids])))
      }
    }
    for (const l of found) this.addLink(l)
    for (const s of await store.sync.getShadows(id, [...this.links.keys()])) this.shadows.set(`${s.linkId}:${s.side}`, s)
    // dirty records not read: fetch their current state (absent = deleted)
    for (const side of SIDES) {
      const want = dirty.filter((d) => d.side === side && !this.records[side].has(d.recordId)).map((d) => d.recordId)
      if (want.length === 0) continue
      const got = await fetchRecords(this.env.sides[side], want, this.options.signal)
      for (const rid of want) this.records[side].set(rid, got.get(rid) ?? null)
    }
  }

  addLink(l: SyncLink) {
    this.links.set(l.id, l)
    if (l.aId) this.byRecord.a.set(l.aId, l)
    if (l.bId) this.byRecord.b.set(l.bId, l)
  }

  shadow(linkId: string, side: SyncSideName): SyncShadow | null {
    return this.shadows.get(`${linkId}:${side}`) ?? null
  }

  /** Whether a record differs from its shadow in a tracked field. */
  differs(side: SyncSideName, r: SourceRecord, s: SyncShadow | null): boolean {
    if (!s) return true
    return this.tracked[side].some((f) => !sameValue(this.norm[side](f, r.fields[f]), s.values[f]))
  }

  /**
   * The links this pass must decide: linked links with a real change (or all, in repair mode), and
   * links of dirty records even when unchanged (a relation whose target was not linked yet is
   * looked at again once it is; a nudge costs a decision that usually writes nothing).
   */
  async collect(repair: boolean, dirty: SyncDirty[]): Promise<Item[]> {
    const items: Item[] = []
    const marked = new Set(dirty.map((d) => `${d.side}:${d.recordId}`))
    for (const link of this.links.values()) {
      if (link.state === 'deleted') continue
      if (link.state !== 'linked') continue // half-links go to matching
      const changed = SIDES.filter((side) => {
        const rid = side === 'a' ? link.aId! : link.bId!
        if (!this.records[side].has(rid)) return repair // in repair mode, not scanned = gone
        const r = this.records[side].get(rid)
        if (r === null || r === undefined) return true
        return this.differs(side, r, this.shadow(link.id, side))
      })
      const touched = SIDES.some((s) => this.records[s].has(s === 'a' ? link.aId! : link.bId!))
      const nudged = marked.has(`a:${link.aId}`) || marked.has(`b:${link.bId}`)
      if (changed.length === 0) {
        if (touched && !nudged) this.report.echoes += 1
        if (!repair && !nudged) continue
      }
      if (link.pendingRun && (await this.busy(link))) {
        this.defer(link, 'write in flight')
        continue
      }
      items.push({ link, reason: changed.length ? `changed on ${changed.join(' and ')}` : repair ? 'repair' : 'dirty' })
    }
    return items
  }

  async busy(link: SyncLink): Promise<boolean> {
    if (!link.pendingRun) return false
    const status = await this.env.jobStatus(link.pendingRun)
    return status !== null && status !== 'succeeded' && status !== 'dead' && status !== 'filtered'
  }

  defer(link: SyncLink, reason: string) {
    this.report.deferred += 1
    for (const side of SIDES) {
      const rid = side === 'a' ? link.aId : link.bId
      if (rid && this.records[side].has(rid)) this.dirty.push({ side, recordId: rid, reason, at: this.now })
    }
  }

  /** Counterparts of changed links not read in this pass. */
  async fetchMissing(items: Item[]) {
    for (const side of SIDES) {
      const want = items.map((i) => (side === 'a' ? i.link.aId! : i.link.bId!)).filter((rid) => !this.records[side].has(rid))
      if (want.length === 0) continue
      const got = await fetchRecords(this.env.sides[side], want, this.options.signal)
      for (const rid of want) this.records[side].set(rid, got.get(rid) ?? null)
    }
  }

  record(side: SyncSideName, rid: string | null): SourceRecord | null {
    return rid ? (this.records[side].get(rid) ?? null) : null
  }

  paused(side: SyncSideName, r: SourceRecord): boolean {
    const f = this.sync.pauseField[side]
    return f !== null && truthy(r.fields[f])
  }

  async inScope(side: SyncSideName, r: SourceRecord): Promise<boolean> {
    const f = this.sync.filter[side]
    return !f || Boolean(await f({ id: r.id, fields: r.fields }))
  }

  /** Decide a linked link: deletions, pauses, scope, then the field plan and relations. */
  async decide(item: Item, repair: boolean) {
    const { link } = item
    const a = this.record('a', link.aId)
    const b = this.record('b', link.bId)
    if (!a || !b) {
      if (repair) this.fix({ linkId: link.id, kind: 'gone', a: link.aId, b: link.bId })
      return this.deletion(link, a, b)
    }
    if (this.paused('a', a) || this.paused('b', b)) {
      this.report.paused += 1
      return
    }
    if (!(await this.inScope('a', a)) || !(await this.inScope('b', b))) {
      this.report.outOfScope += 1
      return
    }
    const sa = this.shadow(link.id, 'a')
    const sb = this.shadow(link.id, 'b')
    const plan = await planLink(this.sync, { a, b, shadowA: sa, shadowB: sb }, this.norm)
    const relations = await this.relations(a, sb)
    if (repair && (plan.writeA || plan.writeB || relations.ops.length))
      this.fix({
        linkId: link.id,
        kind: 'fields',
        a: link.aId,
        b: link.bId,
        fields: {
          ...(plan.writeA ? { a: Object.keys(plan.writeA) } : {}),
          ...(plan.writeB || relations.ops.length
            ? { b: [...Object.keys(plan.writeB ?? {}), ...relations.ops.map((o) => `@${o.name}`)] }
            : {}),
        },
      })
    this.apply(link, a, b, plan, relations)
  }

  /** Relation targets of side a's foreign keys, translated through the other syncs' links. */
  async relations(a: SourceRecord, sb: SyncShadow | null) {
    const ops: Array<{ name: string; set?: string; unset?: string }> = []
    const values: Record<string, unknown> = {}
    for (const rel of this.sync.relations) {
      const slot = `@${rel.relation}`
      const current = (sb?.values[slot] as string | null | undefined) ?? null
      const fk = a.fields[rel.field]
      let target: string | null = null
      if (fk !== null && fk !== undefined && fk !== '') {
        const [l] = await this.env.store.sync.linksByRecord(rel.sync, 'a', [String(fk)])
        target = l?.bId ?? null
        if (!target) {
          // the related record is not linked yet (not created on b yet): look again next pass
          this.dirty.push({ side: 'a', recordId: a.id, reason: `relation ${rel.relation} pending`, at: this.now })
          values[slot] = current
          continue
        }
      }
      values[slot] = target
      if (target !== current) ops.push({ name: rel.relation, ...(target ? { set: target } : {}), ...(current ? { unset: current } : {}) })
    }
    return { ops, values }
  }

  /** Side a's shadow values: the mapped fields (as planned) and the relation fields (as read). */
  aValues(mapped: Record<string, unknown>, a: SourceRecord): Record<string, unknown> {
    const out = { ...mapped }
    for (const f of this.tracked.a) if (!(f in out)) out[f] = plain(this.norm.a(f, a.fields[f]))
    return out
  }

  apply(
    link: SyncLink,
    a: SourceRecord,
    b: SourceRecord,
    plan: LinkPlan,
    rel: { ops: Array<{ name: string; set?: string; unset?: string }>; values: Record<string, unknown> },
  ) {
    const shadows = {
      a: { values: this.aValues(plan.shadowA, a), modifiedAt: a.modifiedAt },
      b: { values: { ...plan.shadowB, ...rel.values }, modifiedAt: b.modifiedAt },
    }
    for (const c of plan.conflicts) {
      const id = createHash('sha256')
        .update(JSON.stringify([link.id, c.field.label, c.aValue, c.bValue, a.modifiedAt, b.modifiedAt]))
        .digest('hex')
        .slice(0, 24)
      this.conflicts.push({
        id,
        syncId: this.sync.id,
        linkId: link.id,
        field: c.field.label,
        aValue: c.aValue,
        bValue: c.bValue,
        aModifiedAt: a.modifiedAt,
        bModifiedAt: b.modifiedAt,
        winner: c.winner,
        reason: c.reason,
        createdAt: this.now,
      })
    }
    if (!plan.writeA && !plan.writeB && rel.ops.length === 0) {
      for (const side of SIDES) {
        const s = shadows[side]
        const hash = hashValues(s.values)
        if (this.shadow(link.id, side)?.hash !== hash)
          this.newShadows.push({
            syncId: this.sync.id,
            linkId: link.id,
            side,
            values: s.values,
            hash,
            modifiedAt: s.modifiedAt,
            updatedAt: this.now,
          })
      }
      return
    }
    const ops: Partial<Record<SyncSideName, SideOp>> = {}
    if (plan.writeA) ops.a = { op: 'update', id: a.id, fields: plan.writeA }
    if (plan.writeB) ops.b = { op: 'update', id: b.id, fields: plan.writeB }
    this.addJob(link, ops, shadows, rel.ops)
  }

  /** One side of a linked pair is gone: apply the `deletes` policy. */
  deletion(link: SyncLink, a: SourceRecord | null, b: SourceRecord | null) {
    const gone: SyncSideName = a ? 'b' : 'a'
    const survivor = other(gone)
    const survivorId = survivor === 'a' ? link.aId : link.bId
    const policy = gone === 'a' ? this.sync.deletes.aToB : this.sync.deletes.bToA
    const ended = { ...link, state: 'deleted' as const, updatedAt: this.now }
    if (!a && !b) {
      this.linkWrites.set(link.id, ended)
      return
    }
    if (policy === 'ignore') {
      this.report.deletesIgnored += 1
      this.linkWrites.set(link.id, ended)
      return
    }
    const op: SideOp = { op: policy === 'archive' ? 'archive' : 'delete', id: survivorId! }
    this.addJob(ended, { [survivor]: op }, {}, [])
  }

  addJob(
    link: SyncLink,
    ops: Partial<Record<SyncSideName, SideOp>>,
    shadows: WriteJob['shadows'],
    relations: Array<{ name: string; set?: string; unset?: string }>,
  ) {
    const base = { a: this.shadow(link.id, 'a')?.hash ?? null, b: this.shadow(link.id, 'b')?.hash ?? null }
    // the records' modification times keep an A→B→A history from repeating an earlier job's key
    // (same shadows, same writes), which the delivery-id dedupe would take as already done
    const at = [shadows.a?.modifiedAt ?? null, shadows.b?.modifiedAt ?? null]
    const body = { linkId: link.id, a: ops.a, b: ops.b, relations, base, at }
    const key = `${this.sync.id}:${link.id}:${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 20)}`
    const job: WriteJob = {
      sync: this.sync.id,
      key,
      linkId: link.id,
      ...(ops.a ? { a: ops.a } : {}),
      ...(ops.b ? { b: ops.b } : {}),
      ...(relations.length ? { relations } : {}),
      link: {
        id: link.id,
        aId: link.aId,
        bId: link.bId,
        key: link.key,
        fallbackKey: link.fallbackKey,
        state: link.state,
        createdAt: link.createdAt,
      },
      shadows,
      base,
    }
    this.jobs.push(job)
    // the link keeps its state until the run records it; only the pending marker is set now
    const current = this.linkWrites.get(link.id) ?? this.links.get(link.id) ?? link
    this.linkWrites.set(link.id, { ...current, pendingRun: key, updatedAt: this.now })
    for (const side of SIDES) {
      const op = ops[side]
      if (op) this.note(side, op, link)
    }
    if (relations.length) this.report.relations += relations.length
  }

  note(side: SyncSideName, op: SideOp, link: SyncLink) {
    const w: PlannedWrite = {
      side,
      op: op.op,
      linkId: link.id,
      ...(op.id ? { id: op.id } : {}),
      ...(op.fields ? { fields: op.fields } : {}),
    }
    reportWrite(this.report, w)
  }

  /** Records without a link: pair them by key, report ambiguity, create the rest where allowed. */
  async matchUnlinked() {
    const { sync } = this
    const cands: Candidate[] = []
    const recOf = new Map<string, SourceRecord>()
    const candKey = (c: Candidate) => `${c.side}:${c.id}`
    const keys = (side: SyncSideName, r: SourceRecord) => ({
      key: sync.match.normalize(r.fields[sync.match[side]]),
      fallbackKey: sync.match.fallback ? sync.match.fallback.normalize(r.fields[sync.match.fallback[side]]) : null,
    })
    for (const side of SIDES) {
      for (const [rid, r] of this.records[side]) {
        const l = this.byRecord[side].get(rid)
        if (l && l.state !== 'unmatched' && l.state !== 'ambiguous') continue
        if (!r) {
          if (l) this.linkWrites.set(l.id, { ...l, state: 'deleted', updatedAt: this.now })
          continue
        }
        if (this.paused(side, r)) {
          this.report.paused += 1
          continue
        }
        const c: Candidate = {
          side,
          id: rid,
          ...keys(side, r),
          ...(l ? { linkId: l.id, busy: l.pendingRun ? await this.busy(l) : false } : {}),
        }
        cands.push(c)
        recOf.set(candKey(c), r)
      }
    }
    if (cands.length === 0) return
    // stored half-links and linked records sharing these keys
    const wanted = { key: new Set<string>(), fallbackKey: new Set<string>() }
    for (const c of cands) {
      if (c.key) wanted.key.add(c.key)
      if (c.fallbackKey) wanted.fallbackKey.add(c.fallbackKey)
    }
    const stored = new Map<string, SyncLink>()
    for (const which of ['key', 'fallbackKey'] as const)
      for (const l of await this.env.store.sync.linksByKey(sync.id, which, [...wanted[which]])) stored.set(l.id, l)
    const seen = new Set(cands.map(candKey))
    const occupied = []
    for (const l of stored.values()) {
      if (l.state === 'linked' || l.state === 'deleted') {
        // a linked record being written or deleted in this pass (or still in flight) may free its key
        const mine = this.linkWrites.get(l.id)
        const busy =
          mine?.state === 'deleted' ||
          (mine?.pendingRun !== undefined && mine.pendingRun !== (l.pendingRun && jobKeyOf(l.pendingRun))) ||
          (l.pendingRun ? await this.busy(l) : false)
        if (l.state === 'linked') occupied.push({ linkId: l.id, key: l.key, fallbackKey: l.fallbackKey, busy })
        continue
      }
      const side: SyncSideName = l.aId ? 'a' : 'b'
      const rid = (l.aId ?? l.bId)!
      if (seen.has(`${side}:${rid}`)) continue
      this.addLink(l)
      cands.push({ side, id: rid, key: l.key, fallbackKey: l.fallbackKey, linkId: l.id, busy: l.pendingRun ? await this.busy(l) : false })
    }
    const m = matchCandidates(cands, occupied)
    for (const d of m.deferred) {
      this.report.deferred += 1
      this.dirty.push({ side: d.side, recordId: d.id, reason: 'match in flight', at: this.now })
    }
    for (const g of m.ambiguous) {
      this.report.ambiguous.push({
        key: g.key,
        via: g.via,
        records: g.members.map((x) => ({ side: x.side, id: x.id })),
        ...(g.linkedTo.length ? { linkedTo: g.linkedTo } : {}),
      })
      for (const x of g.members) {
        this.halfLink(x, 'ambiguous')
        // looked at again every pass: a duplicate deleted or changed elsewhere can resolve it
        this.dirty.push({ side: x.side, recordId: x.id, reason: 'ambiguous', at: this.now })
      }
    }
    // pairs: fetch stored halves' records, then decide as a first pairing
    const need = { a: [] as string[], b: [] as string[] }
    for (const p of m.pairs) for (const x of [p.a, p.b]) if (!recOf.has(candKey(x))) need[x.side].push(x.id)
    for (const side of SIDES) {
      if (need[side].length === 0) continue
      const got = await fetchRecords(this.env.sides[side], need[side], this.options.signal)
      for (const [rid, r] of got) recOf.set(`${side}:${rid}`, r)
    }
    for (const p of m.pairs) {
      const a = recOf.get(candKey(p.a))
      const b = recOf.get(candKey(p.b))
      if (!a || !b) continue // vanished meanwhile; seen again next pass
      await this.pair(p.a, p.b, a, b, p.via)
    }
    for (const u of m.unmatched) {
      const r = recOf.get(candKey(u))
      if (r) await this.unmatched(u, r)
    }
  }

  halfLink(c: Candidate, state: 'unmatched' | 'ambiguous'): SyncLink {
    const existing = c.linkId ? this.links.get(c.linkId) : undefined
    const l: SyncLink = existing
      ? { ...existing, key: c.key, fallbackKey: c.fallbackKey, state, updatedAt: this.now }
      : {
          syncId: this.sync.id,
          id: newId('lnk', this.now),
          aId: c.side === 'a' ? c.id : null,
          bId: c.side === 'b' ? c.id : null,
          key: c.key,
          fallbackKey: c.fallbackKey,
          state,
          pendingRun: null,
          createdAt: this.now,
          updatedAt: this.now,
        }
    if (!existing || existing.state !== state || existing.key !== c.key || existing.fallbackKey !== c.fallbackKey)
      this.linkWrites.set(l.id, l)
    if (!existing) this.addLink(l)
    return l
  }

  async pair(ca: Candidate, cb: Candidate, a: SourceRecord, b: SourceRecord, via: 'key' | 'fallback') {
    this.report.matched[via] += 1
    // one link for the pair: keep a's half-link if there is one; retire b's
    const keepId = ca.linkId ?? cb.linkId ?? newId('lnk', this.now)
    const retire = ca.linkId && cb.linkId ? this.links.get(cb.linkId) : undefined
    if (retire) this.linkWrites.set(retire.id, { ...retire, aId: null, bId: null, state: 'deleted', updatedAt: this.now })
    const prev = this.links.get(keepId)
    const link: SyncLink = {
      syncId: this.sync.id,
      id: keepId,
      aId: a.id,
      bId: b.id,
      key: ca.key ?? cb.key,
      fallbackKey: ca.fallbackKey ?? cb.fallbackKey,
      state: 'linked',
      pendingRun: null,
      createdAt: prev?.createdAt ?? this.now,
      updatedAt: this.now,
    }
    this.linkWrites.set(link.id, link)
    this.addLink(link)
    if (this.repairing && (!ca.linkId || !cb.linkId)) this.fix({ linkId: link.id, kind: 'missing', a: a.id, b: b.id })
    if (this.paused('b', b)) {
      this.report.paused += 1
      return
    }
    if (!(await this.inScope('a', a)) || !(await this.inScope('b', b))) {
      this.report.outOfScope += 1
      return
    }
    const plan = await planLink(this.sync, { a, b, shadowA: null, shadowB: null }, this.norm)
    this.apply(link, a, b, plan, await this.relations(a, null))
  }

  async unmatched(c: Candidate, r: SourceRecord) {
    const to = other(c.side)
    const allowed = c.side === 'a' ? this.sync.create.aToB : this.sync.create.bToA
    if (!allowed || !(await this.inScope(c.side, r))) {
      this.halfLink(c, 'unmatched')
      this.report.unmatched += 1
      return
    }
    const half = this.halfLink(c, 'unmatched')
    const fields = await createFields(this.sync, to, r.fields, this.norm[to])
    if (this.repairing && !c.linkId)
      this.fix({
        linkId: half.id,
        kind: 'missing',
        a: c.side === 'a' ? c.id : null,
        b: c.side === 'b' ? c.id : null,
        fields: { [to]: Object.keys(fields) },
      })
    const keys = [this.sync.match, this.sync.match.fallback].filter((k) => k !== null)
    const upsertOn = keys.map((k) => k[to]).find((f) => this.env.sides[to].matchKeys.includes(f) && fields[f] !== undefined)
    // fields that only flow the other way take the new record's (empty) value on the source side
    const back = await backFields(this.sync, c.side, fields, r.fields, this.norm[c.side])
    const shadows: WriteJob['shadows'] = {
      [c.side]: { values: { ...shadowValues(c.side, this.sync.fields, r.fields, this.norm[c.side]), ...back }, modifiedAt: r.modifiedAt },
      [to]: { values: shadowValues(to, this.sync.fields, fields, this.norm[to]), modifiedAt: null },
    }
    const ops: Partial<Record<SyncSideName, SideOp>> = { [to]: { op: 'create', fields, ...(upsertOn ? { upsertOn } : {}) } }
    if (Object.keys(back).length) ops[c.side] = { op: 'update', id: r.id, fields: back }
    let relOps: Array<{ name: string; set?: string; unset?: string }> = []
    if (c.side === 'a') {
      const rel = await this.relations(r, null)
      relOps = rel.ops
      shadows.b = { values: { ...shadows.b!.values, ...rel.values }, modifiedAt: null }
      shadows.a = { values: this.aValues(shadows.a!.values, r), modifiedAt: r.modifiedAt }
    }
    this.addJob(half, ops, shadows, relOps)
  }
}

/** On a create from side `from`: the fields that flow only into `from`, set from the new record. */
async function backFields(
  sync: CompiledSync,
  from: SyncSideName,
  created: Record<string, unknown>,
  source: Record<string, unknown>,
  norm: (f: string, v: unknown) => unknown,
) {
  const to = other(from)
  const out: Record<string, unknown> = {}
  for (const f of sync.fields) {
    if (f.direction !== (from === 'a' ? 'b-to-a' : 'a-to-b')) continue
    const raw = (from === 'a' ? f.toA : f.toB)(created[f[to]], created)
    const want = norm(f[from], raw instanceof Promise ? await raw : raw)
    if (!sameValue(want, source[f[from]])) out[f[from]] = plain(want)
  }
  return out
}

function emptyRead(): SideRead {
  return { records: new Map(), cursor: null, more: false }
}
