/**
 * A hub with syncs over in-memory tables, for the sync engine's tests: real SQLite store, real
 * gateway and write runs, the `memory` connector.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '../../src/engine/clock.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import { compileSync } from '../../src/sync/compile.js'
import { MemoryTable, memoryConnector } from '../../src/sync/sides/memory.js'
import type { CompiledSync, SyncDefinition } from '../../src/sync/types.js'
import type { Clock } from '../../src/types.js'

export interface MemoryHarness {
  runtime: Runtime
  tables: Record<string, MemoryTable>
  dir: string
  close(): Promise<void>
}

export async function memoryHarness(
  defs: SyncDefinition[],
  tables: string[] | Record<string, MemoryTable>,
  options: { clock?: Clock; dir?: string; keepDir?: boolean; server?: boolean; scheduler?: boolean; pauseRefreshMs?: number } = {},
): Promise<MemoryHarness> {
  const clock = options.clock ?? systemClock
  const t = Array.isArray(tables) ? Object.fromEntries(tables.map((n) => [n, new MemoryTable(n, clock)])) : tables
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'pw-sync-'))
  const syncs: CompiledSync[] = defs.map((d) => compileSync(d, { format: 'ts' }))
  const runtime = await createRuntime({
    cwd: dir,
    env: {},
    pipelines: [],
    syncs,
    connectors: [memoryConnector(t)],
    connections: { memory: { default: {} } },
    databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
    scheduler: options.scheduler ?? false,
    logLevel: 'silent',
    sweepIntervalMs: 200,
    clock,
    ...(options.pauseRefreshMs ? { pauseRefreshMs: options.pauseRefreshMs } : {}),
    ...(options.server ? { server: true, host: '127.0.0.1', port: 0 } : {}),
  })
  return {
    runtime,
    tables: t,
    dir,
    async close() {
      await runtime.close(2000)
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const people = (over: Partial<SyncDefinition> = {}): SyncDefinition => ({
  id: 'people',
  sides: { a: { side: 'memory:crm', matchKeys: ['email'] }, b: { side: 'memory:hub', matchKeys: ['email'] } },
  match: { a: 'email', b: 'email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'name', b: 'fullname', owner: 'latest' },
    { a: 'plan', b: 'plan', direction: 'a-to-b' },
    { a: 'stage', b: 'lifecyclestage', direction: 'b-to-a' },
  ],
  schedule: { every: '1h', repair: false },
  ...over,
})
