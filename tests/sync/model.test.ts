/**
 * Model test of the sync engine: random interleavings of creates, updates and deletes on both
 * sides, polls, webhook nudges and crashes (the runtime closed in the middle of a pass, then
 * reopened on the same store) converge to the state the ownership rules define:
 *
 * - no duplicate: at most one live record per email on each side, and a record on one side iff
 *   its partner on the other (creates both ways, deletes propagate);
 * - no lost update: per field, the value the rules pick from the edits made since the last
 *   convergence (the only side that edited it; the owner; or the later record for `latest`),
 *   except that a deletion wins over the other side's edits of the same interval;
 * - writes settle: once converged, another pass starts no write.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hookPipelineId } from '../../src/sync/pipelines.js'
import { MemoryTable } from '../../src/sync/sides/memory.js'
import type { SyncDefinition } from '../../src/sync/types.js'
import { type MemoryHarness, memoryHarness } from './helpers.js'

const EMAILS = ['ann@acme.com', 'bob@acme.com', 'cy@acme.com', 'dee@acme.com', 'eve@acme.com']
const STEP_MS = 10_000
const SKEW_MS = 2000

const def: SyncDefinition = {
  id: 'model',
  sides: { a: { side: 'memory:crm', matchKeys: ['email'] }, b: { side: 'memory:hub', matchKeys: ['email'] } },
  match: { a: 'email', b: 'email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'name', b: 'name', owner: 'latest' },
    { a: 'phone', b: 'phone', owner: 'b' },
    { a: 'plan', b: 'plan', direction: 'a-to-b' },
    { a: 'stage', b: 'stage', direction: 'b-to-a' },
  ],
  deletes: 'propagate',
  conflicts: { skew: SKEW_MS, ties: 'a' },
  schedule: { every: '1h', repair: false },
  webhooks: [{ side: 'b', path: 'model-hub', ids: 'objectId' }],
}
const FIELDS = ['name', 'phone', 'plan', 'stage'] as const
type Field = (typeof FIELDS)[number]
type Side = 'a' | 'b'

type Cmd =
  | { t: 'create'; side: Side; email: number; values: Record<Field, string> }
  | { t: 'update'; side: Side; email: number; field: Field; value: string }
  | { t: 'delete'; side: Side; email: number }
  | { t: 'poll' }
  | { t: 'nudge'; email: number }
  | { t: 'crash'; after: number }

const value = fc.constantFrom('v1', 'v2', 'v3', 'v4')
const side = fc.constantFrom<Side>('a', 'b')
const email = fc.integer({ min: 0, max: EMAILS.length - 1 })
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('create' as const),
      side,
      email,
      values: fc.record({ name: value, phone: value, plan: value, stage: value }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('update' as const), side, email, field: fc.constantFrom(...FIELDS), value }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), side, email }) },
  { weight: 2, arbitrary: fc.constant({ t: 'poll' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('nudge' as const), email }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const), after: fc.integer({ min: 0, max: 30 }) }) },
)

interface Edit {
  value: string
  at: number
}

/** What the user did to one entity on one side since the last convergence. */
interface SideLog {
  edits: Partial<Record<Field, Edit>>
  /** Time of the last change to the record (the provider's record-level modification time). */
  lastAt: number
  created: boolean
  deleted: boolean
}

class World {
  now = Date.UTC(2026, 0, 1)
  clock = { now: () => this.now }
  crm = new MemoryTable('crm', this.clock)
  hub = new MemoryTable('hub', this.clock)
  logs = new Map<string, Record<Side, SideLog>>()
  /** Converged values at the last sync point, per email. */
  settled = new Map<string, Record<Field, string | null>>()

  table(s: Side) {
    return s === 'a' ? this.crm : this.hub
  }

  live(s: Side, e: string) {
    return this.table(s).find('email', e)
  }

  log(e: string): Record<Side, SideLog> {
    let l = this.logs.get(e)
    if (!l) {
      l = { a: { edits: {}, lastAt: 0, created: false, deleted: false }, b: { edits: {}, lastAt: 0, created: false, deleted: false } }
      this.logs.set(e, l)
    }
    return l
  }

  tick() {
    this.now += STEP_MS
  }

  apply(c: Cmd): boolean {
    if (c.t !== 'create' && c.t !== 'update' && c.t !== 'delete') return false
    const e = EMAILS[c.email]!
    const [rec] = this.live(c.side, e)
    this.tick()
    if (c.t === 'create') {
      if (rec) return true // one record per email per side: the model creates no duplicate itself
      this.table(c.side).put({ email: e, ...c.values })
      const l = this.log(e)[c.side]
      l.created = true
      l.lastAt = this.now
      for (const f of FIELDS) l.edits[f] = { value: c.values[f], at: this.now }
    } else if (c.t === 'update') {
      if (!rec) return true
      this.table(c.side).patch(rec.id, { [c.field]: c.value })
      const l = this.log(e)[c.side]
      l.edits[c.field] = { value: c.value, at: this.now }
      l.lastAt = this.now
    } else {
      if (!rec) return true
      this.table(c.side).remove(rec.id)
      const l = this.log(e)[c.side]
      l.deleted = true
      l.edits = {} // the edits went with the record
      l.lastAt = 0
    }
    return true
  }

  /** Check the converged state against the rules, then start a new interval. */
  check() {
    for (const e of EMAILS) {
      const a = this.live('a', e)
      const b = this.live('b', e)
      expect(a.length, `crm records of ${e}`).toBeLessThanOrEqual(1)
      expect(b.length, `hub records of ${e}`).toBeLessThanOrEqual(1)
      expect(a.length, `${e} exists on both sides or neither`).toBe(b.length)
      if (!a[0] || !b[0]) {
        this.settled.delete(e)
        continue
      }
      // empty is empty: a field never set compares as null
      const A = Object.fromEntries(FIELDS.map((f) => [f, a[0]!.fields[f] ?? null]))
      const B = Object.fromEntries(FIELDS.map((f) => [f, b[0]!.fields[f] ?? null]))
      const log = this.logs.get(e)
      // an entity deleted in this interval and made again starts afresh
      const prev = log?.a.deleted || log?.b.deleted ? undefined : this.settled.get(e)
      // A deletion wins over the other side's edits of the same interval: that side's record (linked
      // at the last sync point) is deleted too, and the entity comes back only as the deleting
      // side's new record; edits made to the doomed record are gone with it.
      const doomed = (s: Side, o: Side) => !!log && log[o].deleted && !log[s].created && !log[s].deleted
      const expected: Record<string, unknown> = {}
      for (const f of FIELDS) {
        const ea = doomed('a', 'b') ? undefined : log?.a.edits[f]
        const eb = doomed('b', 'a') ? undefined : log?.b.edits[f]
        let want: string | null | undefined
        if (f === 'plan') want = ea?.value ?? prev?.plan
        else if (f === 'stage') want = eb?.value ?? prev?.stage
        else if (ea && !eb) want = ea.value
        else if (eb && !ea) want = eb.value
        else if (ea && eb) want = this.winner(f, log!, ea, eb)
        else want = prev?.[f]
        if (want !== undefined) expected[f] = want
      }
      expect(A, `crm ${e}`).toMatchObject(expected)
      expect(B, `hub ${e}`).toMatchObject(expected)
      this.settled.set(e, Object.fromEntries(FIELDS.map((f) => [f, (A[f] as string) ?? null])) as Record<Field, string | null>)
    }
    this.logs.clear()
  }

  /** Both sides edited `f`: `phone` is b's; `name` goes to the later record (record-level time), a tie to a. */
  winner(f: Field, log: Record<Side, SideLog>, ea: Edit, eb: Edit): string {
    if (f === 'phone') return eb.value
    const d = log.a.lastAt - log.b.lastAt
    if (Math.abs(d) <= SKEW_MS) return ea.value
    return d > 0 ? ea.value : eb.value
  }
}

async function converge(h: MemoryHarness) {
  for (let i = 0; i < 8; i++) {
    const r = await h.runtime.syncs.run('model')
    if (r.runs.started === 0 && r.deferred === 0 && r.read.a === 0 && r.read.b === 0) return
  }
  throw new Error('did not settle in 8 passes')
}

describe('sync model', () => {
  it('random interleavings converge to what the ownership rules define: no lost update, no echo loop, no duplicate', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 28 }), async (cmds) => {
        const w = new World()
        const dir = mkdtempSync(join(tmpdir(), 'pw-sync-model-'))
        const open = () => memoryHarness([def], { crm: w.crm, hub: w.hub }, { dir, keepDir: true })
        let h = await open()
        try {
          for (const c of cmds) {
            if (w.apply(c)) continue
            // every sync point runs passes until the sync settles, then checks the rules
            if (c.t === 'nudge') {
              const [rec] = w.live('b', EMAILS[c.email]!)
              if (rec) {
                const [res] = await h.runtime.hub.ingest(hookPipelineId('model', 0), [{ payload: { objectId: rec.id } }])
                await h.runtime.hub.waitForRun(res!.runId, 10_000)
              }
            } else if (c.t === 'crash') {
              const pass = h.runtime.syncs.run('model').catch(() => undefined)
              for (let i = 0; i < c.after; i++) await new Promise((r) => setImmediate(r))
              await h.close()
              await pass
              h = await open()
            }
            await converge(h)
            w.check()
          }
          await converge(h)
          w.check()
          // settled: one more pass writes nothing
          const again = await h.runtime.syncs.run('model')
          expect(again.runs.started).toBe(0)
          expect(await h.runtime.hub.store.countRuns({ pipelineId: 'sync:model', status: 'dead' })).toMatchObject({ dead: 0 })
        } finally {
          await h.close()
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 20, endOnFailure: true },
    )
  }, 300_000)
})
