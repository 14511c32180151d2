/**
 * `pipewright test [pipelines...]`: run the cases in `pipelines/<id>.cases/` offline, against the
 * sandbox emulators and a temp store; print a diff per failure; exit 1 on any failure.
 * @module
 */
import { relative } from 'node:path'
import { loadPipelines } from '../../pipeline/load.js'
import { checkCase, loadCases } from '../../testing/cases.js'
import { createTestHub, runPipeline } from '../../testing/hub.js'
import type { CliIo } from '../io.js'
import { pipelinesDir } from '../pipelines-dir.js'

export async function testCommand(io: CliIo, ids: string[], opts: { dir?: string; json?: boolean }): Promise<number> {
  const dir = pipelinesDir(io, opts.dir)
  const cases = loadCases(dir, ids)
  if (cases.length === 0) {
    io.err(
      `no test cases in ${dir}${ids.length ? ` for ${ids.join(', ')}` : ''}; add <pipeline>.cases/*.yaml or *.json (see docs/testing.md)`,
    )
    return ids.length ? 1 : 0
  }
  const t = await createTestHub({ pipelines: [], sandbox: true, env: io.env as Record<string, string> })
  const results: Array<{ pipeline: string; name: string; file: string; ok: boolean; diffs: string[] }> = []
  try {
    // Pipelines load once the sandbox is up, with its URLs and credentials in the environment.
    t.hub.setPipelines(await loadPipelines(dir, { env: { ...(io.env as Record<string, string>), ...t.env }, cwd: io.cwd }))
    for (const c of cases) {
      if (!t.hub.getPipeline(c.pipeline)) {
        results.push({ pipeline: c.pipeline, name: c.name, file: c.file, ok: false, diffs: [`no pipeline "${c.pipeline}" in ${dir}`] })
        continue
      }
      t.resetSandbox()
      const result = await runPipeline(t, c.pipeline, c.event, { timeoutMs: 30_000 })
      const diffs = checkCase(c, result, t.effects)
      results.push({ pipeline: c.pipeline, name: c.name, file: c.file, ok: diffs.length === 0, diffs })
    }
  } finally {
    await t.close()
  }
  const failed = results.filter((r) => !r.ok)
  if (opts.json) io.out(JSON.stringify({ ok: failed.length === 0, results }, null, 2))
  else {
    for (const r of results) {
      io.out(`${r.ok ? '✓' : '✗'} ${r.pipeline} › ${r.name}  (${relative(io.cwd, r.file)})`)
      for (const d of r.diffs) io.out(`    ${d.replace(/\n/g, '\n    ')}`)
    }
    io.out(`${results.length - failed.length} passed, ${failed.length} failed`)
  }
  return failed.length === 0 ? 0 : 1
}
