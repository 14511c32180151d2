/**
 * `createTestHub` and `runPipeline`: run pipelines in a test with a temp SQLite store, the
 * real connector gateway and, optionally, the sandbox emulators and a manual clock.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sandboxSockets } from '../cli/commands/sandbox.js'
import { ManualClock } from '../engine/clock.js'
import type { Hub } from '../engine/hub.js'
import { compilePipeline } from '../pipeline/compile.js'
import type { CompiledPipeline, PipelineDefinition } from '../pipeline/types.js'
import { createRuntime, type Runtime } from '../runtime.js'
import type { LoggedRequest } from '../sandbox/emulator.js'
import type { Clock, RunRecord, StepResultRecord } from '../types.js'
import { startTestSandbox, type TestSandbox } from './sandbox.js'

export interface TestHubOptions {
  /** Definitions (compiled here, with `env` and the sandbox's URLs) or compiled pipelines. */
  pipelines: Array<PipelineDefinition | CompiledPipeline>
  /** Start the emulators and point connectors at them: `true` for all, or service names. */
  sandbox?: boolean | string[]
  /** Per-service emulator options, e.g. `{ mailchimp: { lists: ['l1'] } }`. */
  sandboxOptions?: Record<string, Record<string, unknown>>
  /** Environment for `env()` and `${VAR}`; sandbox URLs and credentials are added. */
  env?: Record<string, string>
  /** `'manual'` for a {@link ManualClock} (time moves with `hub.clock.advance(ms)`), or your own. */
  clock?: Clock | 'manual'
  /**
   * Private addresses the pipelines may call, e.g. `['127.0.0.1:4399']` for a fixture server of
   * your own on loopback (CIDRs, hosts, `host:port`, or `true` for anything). The sandbox's
   * emulators are allowed on their own; nothing else on loopback or a private network is.
   */
  allowPrivateNetwork?: string[] | boolean
}

export interface TestHub {
  hub: Hub
  runtime: Runtime
  sandbox: TestSandbox | null
  /** The manual clock, when asked for. */
  clock: ManualClock | null
  env: Record<string, string>
  /** Requests an emulator received (its effects), oldest first. */
  effects(service: string): LoggedRequest[]
  /** Empty every emulator's log and state. */
  resetSandbox(): void
  close(): Promise<void>
}

export async function createTestHub(options: TestHubOptions): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'pipewright-test-'))
  const services = Array.isArray(options.sandbox) ? options.sandbox : undefined
  const sandbox = options.sandbox ? await startTestSandbox({ services, options: options.sandboxOptions }) : null
  const env = { ...(options.env ?? {}), ...(sandbox?.env ?? {}) }
  const clock = options.clock === 'manual' ? new ManualClock() : (options.clock ?? null)
  try {
    const pipelines = options.pipelines.map((p) => (isCompiled(p) ? p : compilePipeline(p, { format: 'ts', env })))
    const runtime = await createRuntime({
      cwd: dir,
      env,
      pipelines,
      databaseUrl: `sqlite:${join(dir, 'test.db')}`,
      scheduler: false,
      logLevel: 'silent',
      sweepIntervalMs: 200,
      allowPrivateNetwork: testAllowList(options.allowPrivateNetwork, sandbox),
      observe: false,
      ...(clock ? { clock } : {}),
    })
    return {
      hub: runtime.hub,
      runtime,
      sandbox,
      clock: clock instanceof ManualClock ? clock : null,
      env,
      effects: (service) => sandbox?.emulators[service]?.requests() ?? [],
      resetSandbox: () => {
        for (const e of Object.values(sandbox?.emulators ?? {})) e.reset()
      },
      async close() {
        await runtime.close(2000)
        await sandbox?.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await sandbox?.close()
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
}

export interface PipelineResult {
  run: RunRecord
  /** Output of every step by path (`notify`, `each[0].post`). */
  steps: Record<string, unknown>
  trace: StepResultRecord[]
}

/** Ingest one event, wait for the run to finish (or `timeoutMs`), and return it with its step outputs. */
export async function runPipeline(
  t: TestHub | Hub,
  pipelineId: string,
  event: unknown,
  options: { timeoutMs?: number } = {},
): Promise<PipelineResult> {
  const hub = 'hub' in t ? t.hub : t
  const [r] = await hub.ingest(pipelineId, [{ payload: event }], { trigger: 'manual' })
  const run = await hub.waitForRun(r!.runId, options.timeoutMs ?? 10_000)
  if (!run) throw new Error(`run ${r!.runId} of ${pipelineId} disappeared`)
  const trace = await hub.store.getSteps(run.id)
  return { run, steps: Object.fromEntries(trace.map((s) => [s.stepPath, s.output])), trace }
}

function testAllowList(given: string[] | boolean | undefined, sandbox: TestSandbox | null): string[] | boolean | undefined {
  if (given === true) return true
  const sockets = sandbox ? sandboxSockets(sandbox.urls) : []
  const list = [...(Array.isArray(given) ? given : []), ...sockets]
  return list.length > 0 ? list : undefined
}

function isCompiled(p: PipelineDefinition | CompiledPipeline): p is CompiledPipeline {
  return typeof (p as CompiledPipeline).version === 'string' && Array.isArray(p.steps) && typeof (p as CompiledPipeline).source === 'object'
}
