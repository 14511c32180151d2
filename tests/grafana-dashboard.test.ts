/**
 * grafana/pipewright-dashboard.json (written at build by scripts/schemas.mjs, shipped in the
 * package): the dashboard of the default alert rules, importable as is, and every series its
 * panels query is one that /metrics exposes.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createMemoryDispatch } from '../src/dispatch/memory.js'
import { systemClock } from '../src/engine/clock.js'
import { HubEvents } from '../src/engine/events.js'
import { compileAlertsConfig } from '../src/observe/alerts/config.js'
import { grafanaDashboard } from '../src/observe/alerts/export.js'
import { createMetrics } from '../src/observe/metrics.js'

const ROOT = join(import.meta.dirname, '..')
const FILE = join(ROOT, 'grafana', 'pipewright-dashboard.json')

describe('grafana/pipewright-dashboard.json', () => {
  it('is the default rules’ dashboard, with a Prometheus data-source input to pick on import', { timeout: 120_000 }, () => {
    if (!existsSync(FILE)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'schemas.mjs')], { cwd: ROOT })
    const shipped = JSON.parse(readFileSync(FILE, 'utf8'))
    expect(shipped).toEqual(grafanaDashboard(compileAlertsConfig({}, { env: {} })))
    expect(shipped.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' })])
    expect(shipped.panels.length).toBeGreaterThanOrEqual(6)
  })

  it('queries only series that /metrics exposes', async () => {
    const dashboard = grafanaDashboard(compileAlertsConfig({}, { env: {} })) as { panels: Array<{ targets?: Array<{ expr: string }> }> }
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))
    const queried = new Set(exprs.flatMap((e) => e.match(/pipewright_[a-z0-9_]+/g) ?? []))
    const exposition = await createMetrics(new HubEvents(), createMemoryDispatch({ clock: systemClock }), { process: true }).render()
    const exposed = new Set(
      [...exposition.matchAll(/^# TYPE (\S+) (\w+)/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
      ),
    )
    expect(queried.size).toBeGreaterThan(3)
    expect([...queried].filter((m) => !exposed.has(m))).toEqual([])
  })
})
