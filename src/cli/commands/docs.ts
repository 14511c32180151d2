/**
 * `pipewright docs [--out FILE] [--check]`: the hub README from live configuration and state
 * (src/observe/hub-readme). Prints it, writes it to `--out`, or with `--check` compares it to
 * the file and exits 1 when the file is stale (for CI), naming the first line that differs.
 * @module
 */
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { systemClock } from '../../engine/clock.js'
import { buildChannels } from '../../observe/alerts/alerting.js'
import { loadAlertsConfig } from '../../observe/alerts/config.js'
import { channelRows, ruleRows } from '../../observe/alerts/describe.js'
import { renderHubReadme } from '../../observe/hub-readme/render.js'
import type { CompiledPipeline } from '../../pipeline/types.js'
import { withHubState } from '../hub-state.js'
import { type CliIo, UsageError } from '../io.js'

const RECENT_INCIDENTS = 20

export async function docsCommand(
  io: CliIo,
  opts: { db?: string; dir?: string; out?: string; check?: boolean; title?: string },
): Promise<number> {
  if (opts.check && !opts.out) throw new UsageError('--check needs --out <file>: the committed README to compare with')
  const text = await hubReadmeText(io, opts)
  if (!opts.out) {
    io.out(text.trimEnd())
    return 0
  }
  const file = resolve(io.cwd, opts.out)
  if (opts.check) {
    const committed = existsSync(file) ? await readFile(file, 'utf8') : null
    if (committed === text) {
      io.out(`${opts.out} is up to date`)
      return 0
    }
    if (committed === null) io.err(`${opts.out} does not exist; run pipewright docs --out ${opts.out}`)
    else {
      const a = committed.split('\n')
      const b = text.split('\n')
      const n = a.findIndex((line, i) => line !== b[i])
      const at = n < 0 ? a.length : n
      io.err(`${opts.out} is stale: line ${at + 1} differs; run pipewright docs --out ${opts.out}`)
      io.err(`  committed: ${a[at] ?? '(end of file)'}`)
      io.err(`  now:       ${b[at] ?? '(end of file)'}`)
    }
    return 1
  }
  await writeFile(file, text)
  io.err(`wrote ${opts.out}`)
  return 0
}

/** The README text `docs` writes (`preloaded` pipelines skip loading the directory). */
export async function hubReadmeText(
  io: CliIo,
  opts: { db?: string; dir?: string; title?: string },
  preloaded?: { pipelines?: CompiledPipeline[] },
): Promise<string> {
  const config = await loadAlertsConfig(io.cwd, io.env)
  return withHubState(
    io,
    opts,
    async (s) =>
      renderHubReadme({
        cwd: io.cwd,
        ...(opts.title ? { title: opts.title } : {}),
        pipelines: s.pipelines,
        syncs: s.syncs,
        connections: s.connections,
        status: await s.status(),
        usage: await s.gateway.usage(),
        alerts: { file: config.file, rules: ruleRows(config), channels: channelRows(buildChannels(config, systemClock).values()) },
        incidents: await s.store.alerts.listIncidents({ limit: RECENT_INCIDENTS }),
      }),
    preloaded,
  )
}
