/**
 * `pipewright alerts list | incidents | test <rule> | export --prometheus|--grafana`: thin
 * shells over src/observe/alerts (the same calls `/api/v1/alerts` makes).
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { credentialInfos } from '../../credentials/resolve.js'
import { systemClock } from '../../engine/clock.js'
import { newId } from '../../ids.js'
import { buildChannels, createAlerting } from '../../observe/alerts/alerting.js'
import { type AlertsConfig, loadAlertsConfig } from '../../observe/alerts/config.js'
import { channelRows, ruleRows } from '../../observe/alerts/describe.js'
import { grafanaDashboard, prometheusRules } from '../../observe/alerts/export.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import type { Store } from '../../store/contract.js'
import { createStore } from '../../store/index.js'
import type { IncidentStatus } from '../../store/observe/contract.js'
import { type CliIo, table } from '../io.js'
import { openGateway } from '../open-gateway.js'

interface DbOpts {
  db?: string
  json?: boolean
}

async function withStore<T>(io: CliIo, opts: DbOpts, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await createStore(resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  await store.migrate()
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

export async function alertsList(io: CliIo, opts: DbOpts): Promise<number> {
  const config = await loadAlertsConfig(io.cwd, io.env)
  const rules = ruleRows(config)
  const channels = channelRows(buildChannels(config, systemClock).values())
  const open = await withStore(io, opts, (s) => s.alerts.listIncidents({ status: ['pending', 'firing'], limit: 1000 }))
  if (opts.json) {
    io.out(JSON.stringify({ file: config.file, rules, channels, incidents: open }))
    return 0
  }
  io.out(`alert rules (${config.file ?? 'defaults; no alerts.yaml'}), evaluated every ${config.evaluateEveryMs / 1000} s`)
  io.out(
    table(
      rules.map((r) => ({
        ...r,
        enabled: r.enabled ? 'yes' : 'no',
        channels: Array.isArray(r.channels) ? r.channels.join(', ') : r.channels,
      })),
      ['id', 'enabled', 'severity', 'description', 'scope', 'channels'],
    ),
  )
  io.out('')
  if (channels.length === 0)
    io.out('no channels: incidents are logged and shown in the dashboard only; add channels to alerts.yaml (docs/alerts.md)')
  else
    io.out(
      table(channels, [
        'name',
        'type',
        'severities',
        ...new Set(channels.flatMap((c) => Object.keys(c)).filter((k) => !['name', 'type', 'severities'].includes(k))),
      ]),
    )
  io.out('')
  io.out(
    open.length
      ? table(open as unknown as Array<Record<string, unknown>>, ['rule', 'subject', 'severity', 'status', 'startedAt', 'summary'])
      : 'no open incidents',
  )
  return 0
}

export async function alertsIncidents(io: CliIo, opts: DbOpts & { all?: boolean; rule?: string; limit?: string }): Promise<number> {
  const status: IncidentStatus[] | undefined = opts.all ? undefined : ['pending', 'firing']
  const rows = await withStore(io, opts, (s) =>
    s.alerts.listIncidents({ ...(status ? { status } : {}), ...(opts.rule ? { rule: opts.rule } : {}), limit: Number(opts.limit ?? 50) }),
  )
  io.out(
    opts.json
      ? JSON.stringify(rows)
      : table(rows as unknown as Array<Record<string, unknown>>, [
          'id',
          'rule',
          'subject',
          'severity',
          'status',
          'startedAt',
          'resolvedAt',
          'summary',
        ]),
  )
  return 0
}

export async function alertsTest(io: CliIo, ruleId: string, opts: DbOpts & { send?: boolean }): Promise<number> {
  const config = await loadAlertsConfig(io.cwd, io.env)
  if (!config.rules.some((r) => r.id === ruleId)) {
    io.err(`no alert rule "${ruleId}"; rules: ${config.rules.map((r) => r.id).join(', ')}`)
    return 2
  }
  return withStore(io, opts, async (store) => {
    const { gateway, registry } = await openGateway(io, store)
    const alerting = createAlerting({
      store,
      clock: systemClock,
      config,
      owner: newId('cli'),
      sources: { usage: () => gateway.usage(), credentials: () => credentialInfos(store, registry) },
    })
    try {
      const r = await alerting.test(ruleId, { send: opts.send !== false })
      if (opts.json) {
        io.out(JSON.stringify({ rule: r.rule.id, findings: r.findings, delivery: r.delivery }))
      } else {
        io.out(`${r.rule.id}: ${r.rule.description}`)
        io.out(r.findings.length ? r.findings.map((f) => `  holds: ${f.summary}`).join('\n') : '  does not hold now')
        if (opts.send === false) io.out('  (no test message sent: --no-send)')
        else if (r.queued.length === 0) io.out('  no channel takes this rule’s messages; nothing sent')
        else {
          for (const s of r.delivery?.sent ?? []) io.out(`  ✓ test message sent to ${s.channel}`)
          for (const f of [...(r.delivery?.failed ?? []), ...(r.delivery?.retrying ?? [])]) io.out(`  ✗ ${f.channel}: ${f.error}`)
        }
      }
      const failed = (r.delivery?.failed.length ?? 0) + (r.delivery?.retrying.length ?? 0)
      return failed ? 1 : 0
    } finally {
      await alerting.close()
      await gateway.close()
    }
  })
}

export async function alertsExport(io: CliIo, opts: { prometheus?: boolean; grafana?: boolean; out?: string }): Promise<number> {
  if (Boolean(opts.prometheus) === Boolean(opts.grafana)) {
    io.err('give exactly one of --prometheus (an alerting-rule file) or --grafana (a dashboard JSON)')
    return 2
  }
  const config: AlertsConfig = await loadAlertsConfig(io.cwd, io.env)
  let text: string
  if (opts.prometheus) {
    const r = prometheusRules(config)
    text = r.text
    if (r.skipped.length) io.err(`not exported (no metric expresses them; Pipewright evaluates them itself): ${r.skipped.join(', ')}`)
  } else text = `${JSON.stringify(grafanaDashboard(config), null, 2)}\n`
  if (opts.out) {
    await writeFile(resolve(io.cwd, opts.out), text)
    io.err(`wrote ${opts.out}`)
  } else io.out(text.trimEnd())
  return 0
}
