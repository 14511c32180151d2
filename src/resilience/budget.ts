/**
 * Budgets: usage allowances of a connection per period (`day` and `month` in UTC, or
 * `lifetime`), counted in the store so every process sees one total. A call reserves its
 * cost first (add, then give back if that went over), so concurrent calls cannot overspend.
 * Levels 70/85/95/100 % are reported once per budget and period (across processes, through
 * a store key). At 100 % a connection either waits for the next period
 * (`QuotaExhaustedError` with `retryAfterMs`) or dead-letters (`QuotaExhaustedError` without);
 * a lifetime budget can only dead-letter.
 *
 * Usage keys: `{ connection: '<connector>:<name>', period: '<day:2026-11-23|month:2026-11|lifetime>/<budget>' }`.
 * @module
 */
import { QuotaExhaustedError } from '../errors.js'
import type { Store } from '../store/contract.js'
import type { Clock } from '../types.js'

export type BudgetPeriod = 'day' | 'month' | 'lifetime'

export interface BudgetSpec {
  name: string
  period: BudgetPeriod
  limit: number
  /** Only these actions consume it (all when absent). */
  actions?: string[]
}

/** What to do at 100 %: park runs until the next period, or dead-letter them. */
export type OnBudgetExhausted = 'wait' | 'dead-letter'

export interface BudgetLevel {
  connection: string
  budget: string
  period: string
  level: number
  used: number
  limit: number
}

export interface BudgetRow {
  connection: string
  budget: string
  period: string
  limit: number
  used: number
  remaining: number
  /** Highest level reached (0, 70, 85, 95, 100). */
  level: number
}

export const BUDGET_LEVELS = [70, 85, 95, 100] as const

export function periodKey(period: BudgetPeriod, now: number): string {
  const iso = new Date(now).toISOString()
  return period === 'day' ? `day:${iso.slice(0, 10)}` : period === 'month' ? `month:${iso.slice(0, 7)}` : 'lifetime'
}

/** Start of the next period (epoch ms), or undefined for `lifetime`. */
export function nextPeriodStart(period: BudgetPeriod, now: number): number | undefined {
  const d = new Date(now)
  if (period === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
  return undefined
}

export interface Budgets {
  /** Reserve `cost` from every budget; throws `QuotaExhaustedError` (nothing kept) when one would go over. */
  reserve(
    connection: string,
    specs: readonly BudgetSpec[],
    cost: number,
    onExhausted: OnBudgetExhausted,
  ): Promise<{ refund(): Promise<void> }>
  rows(connection: string, specs: readonly BudgetSpec[]): Promise<BudgetRow[]>
}

export function createBudgets(options: { store: Store; clock: Clock; onLevel?: (e: BudgetLevel) => void }): Budgets {
  const { store, clock } = options
  const announced = new Set<string>()

  async function announce(connection: string, spec: BudgetSpec, period: string, used: number): Promise<void> {
    const pct = (used / spec.limit) * 100
    for (const level of BUDGET_LEVELS) {
      if (pct < level) break
      const id = `${spec.name}/${period}/${level}`
      if (announced.has(`${connection}|${id}`)) continue
      announced.add(`${connection}|${id}`)
      const next = nextPeriodStart(spec.period, clock.now())
      const first = await store.setKeyIfAbsent(
        `budget-levels:${connection}`,
        id,
        used,
        clock.now(),
        next === undefined ? null : next + 86_400_000,
      )
      if (first) options.onLevel?.({ connection, budget: spec.name, period, level, used, limit: spec.limit })
    }
  }

  async function reserveOne(
    connection: string,
    spec: BudgetSpec,
    cost: number,
    onExhausted: OnBudgetExhausted,
  ): Promise<() => Promise<void>> {
    const now = clock.now()
    const period = periodKey(spec.period, now)
    const key = { connection, period: `${period}/${spec.name}` }
    const total = await store.addUsage(key, cost, now)
    if (total > spec.limit) {
      await store.addUsage(key, -cost, now)
      await announce(connection, spec, period, Math.max(spec.limit, total - cost))
      const next = nextPeriodStart(spec.period, now)
      const wait = onExhausted === 'wait' && next !== undefined ? next - now : undefined
      const until = wait === undefined ? 'dead-lettering' : `waiting until ${new Date(next as number).toISOString()}`
      throw new QuotaExhaustedError(`budget ${spec.name} of ${connection} is used up (${spec.limit} per ${spec.period}); ${until}`, wait, {
        details: { connection, budget: spec.name, period, limit: spec.limit },
      })
    }
    await announce(connection, spec, period, total)
    return async () => {
      await store.addUsage(key, -cost, clock.now())
    }
  }

  return {
    async reserve(connection, specs, cost, onExhausted) {
      const refunds: Array<() => Promise<void>> = []
      try {
        for (const spec of specs) refunds.push(await reserveOne(connection, spec, cost, onExhausted))
      } catch (e) {
        for (const r of refunds) await r()
        throw e
      }
      return { refund: async () => void (await Promise.all(refunds.map((r) => r()))) }
    },
    async rows(connection, specs) {
      const now = clock.now()
      return Promise.all(
        specs.map(async (spec) => {
          const period = periodKey(spec.period, now)
          const used = await store.getUsage({ connection, period: `${period}/${spec.name}` })
          const pct = (used / spec.limit) * 100
          const level = [...BUDGET_LEVELS].reverse().find((l) => pct >= l) ?? 0
          return { connection, budget: spec.name, period, limit: spec.limit, used, remaining: Math.max(0, spec.limit - used), level }
        }),
      )
    },
  }
}
