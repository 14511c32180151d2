/**
 * Helpers for engine tests: a temp SQLite store per test, a scriptable action executor
 * (stands in for the gateway, which has its own tests), and a hub factory.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ActionCall, ActionExecutor } from '../../src/connectors/contract.js'
import { createHub, type HubOptions } from '../../src/engine/hub.js'
import { compilePipeline } from '../../src/pipeline/compile.js'
import type { CompiledPipeline, PipelineDefinition } from '../../src/pipeline/types.js'
import type { Store } from '../../src/store/contract.js'
import { createSqliteStore } from '../../src/store/sqlite/index.js'

export function tempDir(prefix = 'pw-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function sqliteStore(dir: string, name = 'pw.db'): Store {
  return createSqliteStore({ path: join(dir, name) })
}

export type Script = (call: ActionCall, n: number) => unknown | Promise<unknown>

/** An action executor whose behaviour per action ref is scripted by the test; records every call. */
export class ScriptedActions implements ActionExecutor {
  readonly calls: ActionCall[] = []
  readonly #scripts = new Map<string, Script>()
  #counts = new Map<string, number>()

  on(ref: string, script: Script): this {
    this.#scripts.set(ref, script)
    return this
  }

  callsOf(ref: string): ActionCall[] {
    return this.calls.filter((c) => c.ref === ref)
  }

  async execute(call: ActionCall): Promise<unknown> {
    this.calls.push(call)
    const n = (this.#counts.get(call.ref) ?? 0) + 1
    this.#counts.set(call.ref, n)
    const script = this.#scripts.get(call.ref)
    return script ? script(call, n) : { ok: true, input: call.input }
  }

  check(): string | null {
    return null
  }

  async close(): Promise<void> {}
}

export function compile(def: PipelineDefinition): CompiledPipeline {
  return compilePipeline(def, { format: 'ts' })
}

export async function startHub(options: Partial<HubOptions> & { pipelines: CompiledPipeline[]; store: Store; actions?: ActionExecutor }) {
  const hub = await createHub({ sweepIntervalMs: 200, ...options, actions: options.actions ?? new ScriptedActions() })
  await hub.start()
  return hub
}

/** Poll until `fn` returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 5000, stepMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T
  do {
    last = await fn()
    if (last) return last
    await new Promise((r) => setTimeout(r, stepMs))
  } while (Date.now() < deadline)
  throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(last)})`)
}
