/**
 * One evaluation pass: every enabled rule reads the store (and the sources it needs) into
 * findings; each finding opens or holds its incident, and each open incident of the rule
 * that was not found again is cleared (resolving once its cool-down has passed). A rule
 * that throws is reported and skipped — its incidents are left as they are, never resolved
 * by an error. Incidents of rules that were removed or disabled resolve at once.
 * @module
 */
import type { ClearTransition, Delivery, FiringTransition, IncidentRecord } from '../../store/observe/contract.js'
import type { AlertChannel, CompiledRule, RuleContext, Severity } from './contract.js'
import { ruleFamily } from './rules/index.js'

export interface Transition {
  rule: string
  subject: string
  severity: Severity
  summary: string
  transition: FiringTransition | ClearTransition
  incidentId: string
}

export interface EvaluationReport {
  at: number
  /** Findings per rule id. */
  findings: Record<string, number>
  transitions: Transition[]
  errors: Array<{ rule: string; message: string }>
}

/** Channels a rule's message of `severity` goes to, with when and in which batch. */
export function route(rule: CompiledRule, severity: Severity, channels: readonly AlertChannel[], now: number): Delivery[] {
  return channels
    .filter((c) => (rule.channels === null || rule.channels.includes(c.name)) && c.severities.includes(severity))
    .map((c) => ({ channel: c.name, ...c.schedule(severity, now) }))
}

/** Where a resolution may go: any channel the rule can use (the store keeps those it told). */
function routeResolution(rule: CompiledRule | undefined, incident: IncidentRecord, channels: readonly AlertChannel[], now: number) {
  return channels
    .filter((c) => !rule || rule.channels === null || rule.channels.includes(c.name))
    .map((c) => ({ channel: c.name, ...c.schedule(incident.severity, now) }))
}

export async function evaluateRules(
  rules: readonly CompiledRule[],
  channels: readonly AlertChannel[],
  ctx: RuleContext,
): Promise<EvaluationReport> {
  const { store, now } = ctx
  const report: EvaluationReport = { at: now, findings: {}, transitions: [], errors: [] }
  const open = await store.alerts.listIncidents({ status: ['pending', 'firing'], limit: 10_000 })
  const enabled = rules.filter((r) => r.enabled)
  for (const rule of enabled) {
    let findings: Awaited<ReturnType<NonNullable<ReturnType<typeof ruleFamily>>['evaluate']>>
    try {
      findings = await ruleFamily(rule.kind)!.evaluate(rule, ctx)
    } catch (error) {
      report.errors.push({ rule: rule.id, message: (error as Error).message })
      continue
    }
    report.findings[rule.id] = findings.length
    const seen = new Set<string>()
    for (const f of findings) {
      seen.add(f.subject)
      const severity = f.severity ?? rule.severity
      const r = await store.alerts.observeFiring(
        {
          rule: rule.id,
          subject: f.subject,
          severity,
          level: f.level ?? 1,
          summary: f.summary,
          value: f.value,
          ...(f.details ? { details: f.details } : {}),
        },
        { now, forMs: rule.forMs, deliveries: route(rule, severity, channels, now) },
      )
      if (r.transition !== 'held')
        report.transitions.push({
          rule: rule.id,
          subject: f.subject,
          severity,
          summary: f.summary,
          transition: r.transition,
          incidentId: r.incident.id,
        })
    }
    for (const i of open) {
      if (i.rule !== rule.id || seen.has(i.subject)) continue
      const t = await store.alerts.observeClear(i.rule, i.subject, {
        now,
        cooldownMs: rule.cooldownMs,
        deliveries: routeResolution(rule, i, channels, now),
      })
      if (t === 'resolved')
        report.transitions.push({
          rule: i.rule,
          subject: i.subject,
          severity: i.severity,
          summary: i.summary,
          transition: t,
          incidentId: i.id,
        })
    }
  }
  // Rules removed from alerts.yaml or disabled: nothing will clear their incidents otherwise.
  const live = new Set(enabled.map((r) => r.id))
  for (const i of open) {
    if (live.has(i.rule)) continue
    const t = await store.alerts.observeClear(i.rule, i.subject, {
      now,
      cooldownMs: 0,
      deliveries: routeResolution(
        rules.find((r) => r.id === i.rule),
        i,
        channels,
        now,
      ),
    })
    if (t === 'resolved')
      report.transitions.push({
        rule: i.rule,
        subject: i.subject,
        severity: i.severity,
        summary: i.summary,
        transition: t,
        incidentId: i.id,
      })
  }
  return report
}
