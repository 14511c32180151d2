/**
 * `createAlerting`: alerting in one process — evaluate the rules every `evaluateEvery`, then
 * deliver what is due from the outbox (also every few seconds, so digests and retries go out
 * on time). Every process of a hub runs it; the store makes the result one incident and one
 * message per transition however many do. Timers use the injected clock, so tests script
 * incidents with a manual clock and call `evaluate()` / `deliver()` directly.
 *
 * @example
 * ```ts
 * const alerting = createAlerting({ store, clock, config: await loadAlertsConfig(cwd, env), owner: workerId, sources: { usage } })
 * alerting.start()
 * await alerting.close()
 * ```
 * @module
 */
import type { Store } from '../../store/contract.js'
import type { IncidentRecord, NotificationRecord } from '../../store/observe/contract.js'
import type { Clock } from '../../types.js'
import { channelType } from './channels/index.js'
import type { AlertsConfig } from './config.js'
import type { AlertChannel, CompiledRule, RuleFinding, RuleSources } from './contract.js'
import { type EvaluationReport, evaluateRules, route, type Transition } from './evaluator.js'
import { type DeliveryReport, deliverDue } from './notifier.js'
import { ruleFamily } from './rules/index.js'

export interface AlertingOptions {
  store: Store
  clock: Clock
  config: AlertsConfig
  /** Names this process's leases on messages. */
  owner: string
  sources?: Omit<RuleSources, 'store'>
  /** Called before each evaluation (write this process's counts first). */
  beforeEvaluate?: () => Promise<void>
  /** Incident transitions and delivery outcomes, for the log. */
  onTransition?: (t: Transition) => void
  onDelivery?: (r: DeliveryReport) => void
  onError?: (message: string, error: unknown) => void
  /** How often due messages are looked for between evaluations. @defaultValue 5000 */
  deliverEveryMs?: number
  dashboardUrl?: string
}

export interface RuleTestResult {
  rule: CompiledRule
  findings: RuleFinding[]
  /** Test messages queued, one per channel the rule routes to. */
  queued: NotificationRecord[]
  delivery: DeliveryReport | null
}

export interface Alerting {
  readonly config: AlertsConfig
  readonly channels: ReadonlyMap<string, AlertChannel>
  start(): void
  /** One evaluation pass now. */
  evaluate(): Promise<EvaluationReport>
  /** Send what is due now. */
  deliver(): Promise<DeliveryReport>
  /** Evaluate one rule without touching incidents; with `send`, deliver a test message through its channels. */
  test(ruleId: string, options?: { send?: boolean }): Promise<RuleTestResult>
  incidents(filter?: Parameters<Store['alerts']['listIncidents']>[0]): Promise<IncidentRecord[]>
  close(): Promise<void>
}

export function buildChannels(config: AlertsConfig, clock: Clock): Map<string, AlertChannel> {
  return new Map(config.channels.map((c) => [c.name, channelType(c.type)!.create(c.name, c.settings, { clock })]))
}

export function createAlerting(o: AlertingOptions): Alerting {
  const { store, clock, config } = o
  const channels = buildChannels(config, clock)
  const list = [...channels.values()]
  const context = () => ({ ...o.sources, store, now: clock.now() })
  let evaluating: Promise<EvaluationReport> | null = null
  let delivering: Promise<DeliveryReport> | null = null
  let closed = false
  const timers = new Set<unknown>()

  const deliver = (): Promise<DeliveryReport> => {
    delivering ??= deliverDue({
      store,
      channels,
      owner: o.owner,
      now: () => clock.now(),
      ...(o.dashboardUrl ? { dashboardUrl: o.dashboardUrl } : {}),
    })
      .then((r) => {
        if (r.sent.length || r.failed.length || r.retrying.length) o.onDelivery?.(r)
        return r
      })
      .finally(() => {
        delivering = null
      })
    return delivering
  }

  const evaluate = (): Promise<EvaluationReport> => {
    evaluating ??= (async () => {
      await o.beforeEvaluate?.()
      const report = await evaluateRules(config.rules, list, context())
      for (const t of report.transitions) o.onTransition?.(t)
      for (const e of report.errors) o.onError?.(`alert rule ${e.rule} could not be evaluated: ${e.message}`, new Error(e.message))
      return report
    })().finally(() => {
      evaluating = null
    })
    return evaluating
  }

  /** Run `fn` every `ms` on the injected clock until closed; errors are reported, never thrown. */
  const every = (ms: number, fn: () => Promise<unknown>, what: string) => {
    const tick = () => {
      const t = clock.setTimeout(() => {
        timers.delete(t)
        if (closed) return
        fn()
          .catch((e) => o.onError?.(`${what} failed; will try again`, e))
          .finally(() => {
            if (!closed) tick()
          })
      }, ms)
      timers.add(t)
    }
    tick()
  }

  return {
    config,
    channels,
    start() {
      every(config.evaluateEveryMs, async () => (await evaluate()).transitions.length && deliver(), 'alert evaluation')
      every(o.deliverEveryMs ?? 5000, deliver, 'alert delivery')
    },
    evaluate,
    deliver,
    async test(ruleId, options = {}) {
      const rule = config.rules.find((r) => r.id === ruleId)
      if (!rule) throw new Error(`no alert rule "${ruleId}"; rules: ${config.rules.map((r) => r.id).join(', ')}`)
      await o.beforeEvaluate?.()
      const findings = await ruleFamily(rule.kind)!.evaluate(rule, context())
      if (!options.send) return { rule, findings, queued: [], delivery: null }
      const now = clock.now()
      const message = {
        kind: 'test' as const,
        incidentId: `test-${now}`,
        rule: rule.id,
        subject: 'test',
        severity: rule.severity,
        level: 0,
        summary: `Test message for alert rule ${rule.id} (${rule.description}). ${
          findings.length ? `It holds now for ${findings.map((f) => f.subject).join(', ')}.` : 'It does not hold now.'
        }`,
        value: null,
        details: null,
        startedAt: now,
        firedAt: now,
        resolvedAt: null,
      }
      // A test goes out at once, whatever the channel's digest schedule.
      const deliveries = route(rule, rule.severity, list, now).map((d) => ({ ...d, dueAt: now, batch: null }))
      const queued = await store.alerts.enqueue(
        deliveries.map((delivery) => ({ message, delivery })),
        now,
      )
      return { rule, findings, queued, delivery: await deliver() }
    },
    incidents: (filter) => store.alerts.listIncidents(filter),
    async close() {
      if (closed) return
      closed = true
      for (const t of timers) clock.clearTimeout(t)
      timers.clear()
      await Promise.allSettled([evaluating, delivering])
      for (const c of list) await c.close?.()
    },
  }
}
