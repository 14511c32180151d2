/**
 * Load connection definitions from a directory (`./connections/*.yaml|*.yml|*.ts|*.js`).
 * A YAML file holds one connection (a mapping with `id`) or several (`connections: [...]`);
 * a TypeScript file exports `defineConnection(...)` values. Every problem of every file is
 * reported at once, and an id defined twice is an error naming both files.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { parseDocument } from 'yaml'
import { ConfigError, ErrorCodes, type Problem } from '../errors.js'
import { listPipelineFiles, selfAliases } from '../pipeline/load.js'
import { isConnectionDefinition } from './define.js'
import { checkConnectionDefinition } from './schema.js'
import type { ConnectionDefinition } from './types.js'

/** A definition and the file it came from (relative to `cwd` when given). */
export interface LoadedConnection {
  def: ConnectionDefinition
  file: string
}

export async function loadConnectionFiles(dir: string, options: { cwd?: string } = {}): Promise<LoadedConnection[]> {
  const problems: Problem[] = []
  const out: LoadedConnection[] = []
  for (const path of await listPipelineFiles(dir)) {
    const file = options.cwd ? relative(options.cwd, path) : path
    try {
      const defs = path.endsWith('.yaml') || path.endsWith('.yml') ? await fromYaml(path, file) : await fromModule(path, file)
      for (const def of defs) out.push({ def, file })
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems)
      else problems.push({ file, message: (e as Error).message })
    }
  }
  const seen = new Map<string, string>()
  for (const { def, file } of out) {
    const other = seen.get(def.id)
    if (other) problems.push({ file, field: 'id', message: `connection "${def.id}" is also defined in ${other}` })
    seen.set(def.id, file)
  }
  if (problems.length) throw new ConfigError(problems, ErrorCodes.CONFIG_INVALID)
  return out
}

async function fromYaml(path: string, file: string): Promise<ConnectionDefinition[]> {
  const doc = parseDocument(await readFile(path, 'utf8'), { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length)
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0]
        return { file: pos ? `${file}:${pos.line}:${pos.col}` : file, message: `YAML ${e.code}: ${e.message.split('\n')[0]}` }
      }),
      ErrorCodes.CONFIG_INVALID,
    )
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown
  if (value === null || value === undefined) return []
  if (typeof value === 'object' && !Array.isArray(value) && 'connections' in value) {
    const list = (value as { connections: unknown }).connections
    const rest = Object.keys(value).filter((k) => k !== 'connections')
    if (!Array.isArray(list) || rest.length)
      throw new ConfigError(
        [{ file, field: rest.length ? rest[0] : 'connections', message: 'a file with "connections:" holds only that list of connections' }],
        ErrorCodes.CONFIG_INVALID,
      )
    return checked(list, file, true)
  }
  return checked([value], file, false)
}

async function fromModule(path: string, file: string): Promise<ConnectionDefinition[]> {
  // jiti (and its TypeScript transform) loads only when there is a TypeScript or JavaScript file.
  const { createJiti } = await import('jiti')
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: false, alias: selfAliases() })
  let mod: Record<string, unknown>
  try {
    mod = (await jiti.import(path)) as Record<string, unknown>
  } catch (e) {
    throw new ConfigError([{ file, message: `cannot load: ${(e as Error).message.split('\n')[0]}` }], ErrorCodes.CONFIG_INVALID)
  }
  const defs = Object.values(mod)
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter(isConnectionDefinition)
  if (defs.length === 0)
    throw new ConfigError(
      [{ file, message: 'exports no connection; use `export default defineConnection({ id: "hubspot:main", ... })`' }],
      ErrorCodes.CONFIG_INVALID,
    )
  return checked(defs, file, defs.length > 1)
}

function checked(values: unknown[], file: string, indexed: boolean): ConnectionDefinition[] {
  const problems = values.flatMap((v, i) => checkConnectionDefinition(v, file, indexed ? i : undefined))
  if (problems.length) throw new ConfigError(problems, ErrorCodes.CONFIG_INVALID)
  return values as ConnectionDefinition[]
}
