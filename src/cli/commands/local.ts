/**
 * `validate` and `run`: commands that work on the pipelines directory without a server.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { builtinConnectors } from '../../connectors/registry.js'
import { ConfigError, formatProblem, type Problem } from '../../errors.js'
import { checkFieldMaps } from '../../fieldmaps/validate.js'
import { tryParseDuration } from '../../pipeline/duration.js'
import { loadPipelines } from '../../pipeline/load.js'
import type { CompiledPipeline, CompiledStep } from '../../pipeline/types.js'
import { piiConfigProblems } from '../../privacy/setup.js'
import { createRuntime, resolveSqlitePath } from '../../runtime.js'
import { createStore } from '../../store/index.js'
import { crossCheckSyncs, loadSyncs } from '../../sync/load.js'
import type { CompiledSync } from '../../sync/types.js'
import { checkCredentials } from '../credentials-check.js'
import type { CliIo } from '../io.js'
import { pipelinesDir } from '../pipelines-dir.js'
import { inventoryProblems } from './inventory.js'
import { sandboxFromFlags } from './sandbox.js'

/** Action references that no built-in connector provides. */
export function checkActions(pipelines: CompiledPipeline[]): Problem[] {
  const connectors = new Map(builtinConnectors().map((c) => [c.id, c] as const))
  const problems: Problem[] = []
  const walk = (p: CompiledPipeline, steps: CompiledStep[]) => {
    for (const s of steps) {
      if (s.kind === 'action') {
        const [cid, ...rest] = s.ref.split('.')
        const c = connectors.get(cid!)
        const action = rest.join('.')
        if (!c)
          problems.push({
            file: p.source.file ?? undefined,
            pipeline: p.id,
            step: s.id,
            field: 'action',
            message: `unknown connector "${cid}"; available: ${[...connectors.keys()].join(', ')}`,
          })
        else if (!c.actions[action])
          problems.push({
            file: p.source.file ?? undefined,
            pipeline: p.id,
            step: s.id,
            field: 'action',
            message: `connector ${cid} has no action "${action}"; available: ${Object.keys(c.actions).join(', ')}`,
          })
      }
      if (s.kind === 'route') for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) walk(p, b)
      if (s.kind === 'forEach') walk(p, s.steps)
    }
  }
  for (const p of pipelines) walk(p, p.steps)
  return problems
}

export async function validateCommand(io: CliIo, opts: { dir?: string; db?: string; json?: boolean; strict?: boolean }): Promise<number> {
  const dir = pipelinesDir(io, opts.dir)
  let problems: Problem[] = []
  let pipelines: CompiledPipeline[] = []
  try {
    pipelines = await loadPipelines(dir, { env: io.env, cwd: io.cwd })
    problems = [...checkActions(pipelines), ...checkFieldMaps(pipelines)]
  } catch (e) {
    if (e instanceof ConfigError) problems = e.problems
    else throw e
  }
  // PII paths need PIPEWRIGHT_SECRET_KEY (start-up refuses without it; docs/security.md).
  problems.push(...piiConfigProblems(io.env, pipelines))
  const checked = await checkSyncs(io, pipelines)
  problems.push(...checked.problems)
  const { syncs } = checked
  // With a database named (--db or PIPEWRIGHT_DATABASE_URL), `{ credential: name }` references are checked too.
  const url = opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL
  const store = url ? await createStore(resolveSqlitePath(url, io.cwd)) : null
  let credentials: Awaited<ReturnType<typeof checkCredentials>>
  try {
    await store?.migrate()
    credentials = await checkCredentials(io, pipelines, store ?? undefined)
  } finally {
    await store?.close()
  }
  problems.push(...credentials.problems)
  problems.push(...(await inventoryProblems(io, opts, pipelines, syncs)))
  const warnings = [...syncs.flatMap((s) => s.warnings), ...credentials.warnings]
  const ok = problems.length === 0 && (!opts.strict || warnings.length === 0)
  if (opts.json)
    io.out(
      JSON.stringify({
        ok,
        pipelines: pipelines.map((p) => ({ id: p.id, version: p.version, file: p.source.file })),
        ...(syncs.length ? { syncs: syncs.map((s) => ({ id: s.id, version: s.version, file: s.source.file })) } : {}),
        problems,
        warnings,
      }),
    )
  else if (problems.length) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${dir}${syncs.length || checked.failed ? ' and syncs/' : ''}:`)
    for (const p of problems) io.err(`  - ${formatProblem(p)}`)
  } else
    io.out(
      `${pipelines.length} pipeline${pipelines.length === 1 ? '' : 's'} valid: ${pipelines.map((p) => `${p.id}@${p.version}`).join(', ') || '(none)'}${
        syncs.length
          ? `; ${syncs.length} sync${syncs.length === 1 ? '' : 's'} valid: ${syncs.map((s) => `${s.id}@${s.version}`).join(', ')}`
          : ''
      }`,
    )
  if (!opts.json) for (const w of warnings) io.err(`warning: ${formatProblem(w)}`)
  if (!opts.json && opts.strict && warnings.length)
    io.err(`--strict: ${warnings.length} warning${warnings.length === 1 ? '' : 's'} fail${warnings.length === 1 ? 's' : ''} validation`)
  return ok ? 0 : 1
}

/** The syncs of ./syncs (none when the directory is absent), checked with the pipelines' webhook paths. */
async function checkSyncs(
  io: CliIo,
  pipelines: CompiledPipeline[],
): Promise<{ syncs: CompiledSync[]; problems: Problem[]; failed: boolean }> {
  try {
    const syncs = await loadSyncs(join(io.cwd, 'syncs'), { env: io.env, cwd: io.cwd })
    const paths = new Set(pipelines.flatMap((p) => (p.trigger.kind === 'webhook' ? [p.trigger.options.path] : [])))
    // between syncs is checked by loadSyncs; what is left is a webhook path a pipeline uses too
    return { syncs, problems: crossCheckSyncs(syncs, paths), failed: false }
  } catch (e) {
    if (e instanceof ConfigError) return { syncs: [], problems: e.problems, failed: true }
    throw e
  }
}

export async function runCommand(
  io: CliIo,
  pipelineId: string,
  opts: {
    event?: string
    dir?: string
    db?: string
    sandbox?: boolean
    strict?: boolean
    sandboxConfig?: string
    maxWait?: string
    json?: boolean
  },
): Promise<number> {
  const text = opts.event === undefined ? '{}' : opts.event === '-' ? await io.stdin() : await readFile(resolve(io.cwd, opts.event), 'utf8')
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch (e) {
    io.err(`--event ${opts.event}: not valid JSON (${(e as Error).message})`)
    return 2
  }
  const maxWait = tryParseDuration(opts.maxWait ?? '60s')
  if (typeof maxWait === 'string') {
    io.err(`--max-wait: ${maxWait}`)
    return 2
  }
  const sandbox = await sandboxFromFlags(io.cwd, { sandbox: opts.sandbox, strict: opts.strict, config: opts.sandboxConfig })
  if (sandbox && 'usage' in sandbox) {
    io.err(sandbox.usage)
    return 2
  }
  const tmp = opts.db ? null : mkdtempSync(join(tmpdir(), 'pipewright-run-'))
  let runtime: Awaited<ReturnType<typeof createRuntime>> | null = null
  try {
    runtime = await createRuntime({
      cwd: io.cwd,
      env: io.env,
      pipelinesDir: pipelinesDir(io, opts.dir),
      databaseUrl: opts.db ?? `sqlite:${join(tmp!, 'run.db')}`,
      scheduler: false,
      connectionOverrides: sandbox?.env,
      allowPrivateNetwork: sandbox?.allowPrivateNetwork,
      logLevel: 'silent',
      observe: false,
    })
    const p = runtime.hub.getPipeline(pipelineId)
    if (!p) {
      io.err(
        `no pipeline "${pipelineId}"; loaded: ${
          runtime.hub
            .pipelines()
            .map((x) => x.id)
            .join(', ') || '(none)'
        }`,
      )
      return 2
    }
    const [r] = await runtime.hub.ingest(pipelineId, [{ payload }], { trigger: 'manual' })
    const run = await runtime.hub.waitForRun(r!.runId, maxWait)
    // Through the redactor: PII fields sealed at rest print as [encrypted], as in `runs show`.
    const steps = runtime.hub.redactor.value(await runtime.hub.store.getSteps(r!.runId))
    if (opts.json) io.out(JSON.stringify({ run, steps }, null, 2))
    else {
      io.out(`run ${r!.runId} of ${pipelineId}@${p.version}`)
      for (const s of steps) {
        const mark = s.status === 'succeeded' ? '✓' : s.status === 'filtered' ? '⊘' : '✗'
        io.out(`  ${mark} ${s.stepPath.padEnd(24)} ${String(s.finishedAt - s.startedAt).padStart(5)} ms  ${preview(s.output)}`)
      }
      if (run?.error) io.out(`  ✗ ${run.currentStep ?? ''} attempt ${run.attempt}: ${run.error.message}`)
      io.out(
        `status: ${run?.status ?? 'unknown'}${run?.status === 'waiting' ? ` (${run.waitReason}, due ${new Date(run.dueAt).toISOString()})` : ''}`,
      )
    }
    return run?.status === 'succeeded' ? 0 : 1
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) io.err(`  - ${formatProblem(p)}`)
      return 1
    }
    throw e
  } finally {
    await runtime?.close(2000)
    await sandbox?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  }
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > 100 ? `${s.slice(0, 97)}...` : s
}
