/**
 * Load every sync of a directory (`./syncs/*.ts|*.js|*.yaml|*.yml`): TypeScript through jiti,
 * YAML parsed then compiled by the same compiler. Problems from every file are reported at once,
 * plus those between syncs (duplicate ids, a relation naming a sync that does not exist,
 * webhook paths used twice, also by pipelines).
 * @module
 */
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { parseDocument } from 'yaml'
import { ConfigError, ErrorCodes, type Problem } from '../errors.js'
import { listPipelineFiles } from '../pipeline/load.js'
import { compileSync } from './compile.js'
import { isSyncDefinition } from './define.js'
import type { SideKind } from './side.js'
import type { CompiledSync, SyncDefinition } from './types.js'

export interface LoadSyncsOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  sideKinds?: Map<string, SideKind<any>>
}

/** Parse a YAML sync, reporting syntax errors with line and column. */
export function parseSyncYaml(text: string, file?: string): SyncDefinition {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0]
        return { file: pos ? `${file ?? '<yaml>'}:${pos.line}:${pos.col}` : file, message: `YAML ${e.code}: ${e.message.split('\n')[0]}` }
      }),
      ErrorCodes.SYNC_INVALID,
    )
  }
  const value = doc.toJS({ maxAliasCount: 100 })
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError([{ file, message: 'a YAML sync must be a mapping with id, sides, match and fields' }], ErrorCodes.SYNC_INVALID)
  return value as SyncDefinition
}

export async function loadSyncFile(file: string, options: LoadSyncsOptions = {}): Promise<CompiledSync[]> {
  const shown = options.cwd ? relative(options.cwd, file) : file
  const base = { file: shown, env: options.env, ...(options.sideKinds ? { sideKinds: options.sideKinds } : {}) }
  if (file.endsWith('.yaml') || file.endsWith('.yml'))
    return [compileSync(parseSyncYaml(await readFile(file, 'utf8'), shown), { ...base, format: 'yaml' })]
  // jiti (and its TypeScript transform) loads only when there is a TypeScript or JavaScript file.
  const { createJiti } = await import('jiti')
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: false })
  let mod: Record<string, unknown>
  try {
    mod = (await jiti.import(file)) as Record<string, unknown>
  } catch (e) {
    throw new ConfigError([{ file: shown, message: `cannot load: ${(e as Error).message.split('\n')[0]}` }], ErrorCodes.SYNC_INVALID)
  }
  const defs = Object.values(mod).filter(isSyncDefinition)
  if (defs.length === 0)
    throw new ConfigError([{ file: shown, message: 'exports no sync; use `export default defineSync({...})`' }], ErrorCodes.SYNC_INVALID)
  const problems: Problem[] = []
  const out: CompiledSync[] = []
  for (const def of defs) {
    try {
      out.push(compileSync(def, { ...base, format: 'ts' }))
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems)
      else throw e
    }
  }
  if (problems.length) throw new ConfigError(problems, ErrorCodes.SYNC_INVALID)
  return out
}

/** Load a directory (missing: no syncs); throws one ConfigError listing every problem. */
export async function loadSyncs(dir: string, options: LoadSyncsOptions = {}): Promise<CompiledSync[]> {
  const problems: Problem[] = []
  const all: CompiledSync[] = []
  for (const file of await listPipelineFiles(dir)) {
    try {
      all.push(...(await loadSyncFile(file, options)))
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems)
      else problems.push({ file, message: (e as Error).message })
    }
  }
  problems.push(...crossCheckSyncs(all))
  if (problems.length) throw new ConfigError(problems, ErrorCodes.SYNC_INVALID)
  return all
}

/** Problems between syncs (and with pipelines' webhook paths, when given). */
export function crossCheckSyncs(syncs: CompiledSync[], pipelinePaths: ReadonlySet<string> = new Set()): Problem[] {
  const problems: Problem[] = []
  const ids = new Map<string, CompiledSync>()
  const paths = new Map<string, string>()
  for (const s of syncs) {
    const file = s.source.file ?? undefined
    const other = ids.get(s.id)
    if (other) problems.push({ file, sync: s.id, field: 'id', message: `sync id "${s.id}" is also used in ${other.source.file}` })
    ids.set(s.id, s)
    s.webhooks.forEach((w, i) => {
      const by = paths.get(w.path) ?? (pipelinePaths.has(w.path) ? 'a pipeline' : undefined)
      if (by) problems.push({ file, sync: s.id, field: `webhooks[${i}].path`, message: `webhook path "${w.path}" is also used by ${by}` })
      paths.set(w.path, `sync ${s.id}`)
    })
  }
  for (const s of syncs) {
    s.relations.forEach((r, i) => {
      if (!ids.has(r.sync))
        problems.push({
          file: s.source.file ?? undefined,
          sync: s.id,
          field: `relations[${i}].sync`,
          message: `no sync "${r.sync}" is loaded; known: ${[...ids.keys()].join(', ')}`,
        })
    })
  }
  return problems
}
