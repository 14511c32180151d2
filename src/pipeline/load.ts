/**
 * Load every pipeline of a directory (`./pipelines/*.ts|*.js|*.yaml|*.yml`): TypeScript through
 * jiti, YAML through the YAML loader. Problems from every file are collected and reported at once.
 * @module
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, type Problem } from '../errors.js'
import { compilePipeline } from './compile.js'
import type { CompiledPipeline, PipelineDefinition } from './types.js'
import { parsePipelineYaml } from './yaml.js'

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.yaml', '.yml']

export interface LoadOptions {
  env?: Record<string, string | undefined>
  /** Base for file names in messages. @defaultValue process-independent: the dir itself */
  cwd?: string
}

export async function listPipelineFiles(dir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
  return names
    .filter(
      (n) =>
        EXTENSIONS.some((ext) => n.endsWith(ext)) &&
        !n.endsWith('.d.ts') &&
        !/\.(test|spec)\.([mc]?[jt]s|ya?ml)$/.test(n) &&
        !n.startsWith('_'),
    )
    .sort()
    .map((n) => join(dir, n))
}

/**
 * `pipewright`, `pipewright/connectors`, … inside a TypeScript pipeline mean this very package —
 * the one running it — so a pipeline loads the same way from a project that installed Pipewright,
 * from a global install, or with `npx` in a folder that has no node_modules at all.
 */
export function selfAliases(): Record<string, string> {
  // Running from src/ (this repository's tests): the built dist/ when there is one, since
  // transpiling all of src/ for each pipeline file takes a minute. Both are this package.
  const fromSource = import.meta.url.endsWith('.ts')
  const built = fromSource && existsSync(fileURLToPath(new URL('../../dist/index.js', import.meta.url)))
  const entry = (path: string) =>
    fileURLToPath(new URL(built ? `../../dist/${path}.js` : `../${path}.${fromSource ? 'ts' : 'js'}`, import.meta.url))
  return {
    'pipewright/connectors': entry('connectors/index'),
    'pipewright/transforms': entry('transforms/index'),
    'pipewright/testing': entry('testing/index'),
    'pipewright/fieldmaps': entry('fieldmaps/index'),
    pipewright: entry('index'),
  }
}

/** `line:col` of the failure inside `file`, from a parse error's message or a stack frame. */
function locate(err: Error, file: string): string | null {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const m = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(`${err.message}\n${err.stack ?? ''}`)
  return m ? `${m[1]}:${m[2]}` : null
}

/** Load one file; returns its pipelines (a TS module may export several). */
export async function loadPipelineFile(file: string, options: LoadOptions = {}): Promise<CompiledPipeline[]> {
  const shown = options.cwd ? relative(options.cwd, file) : file
  if (file.endsWith('.yaml') || file.endsWith('.yml')) {
    const def = parsePipelineYaml(await readFile(file, 'utf8'), shown)
    return [compilePipeline(def, { format: 'yaml', file: shown, env: options.env })]
  }
  // jiti (and its TypeScript transform) loads only when there is a TypeScript or JavaScript file.
  const { createJiti } = await import('jiti')
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: false, alias: selfAliases() })
  let mod: Record<string, unknown>
  try {
    mod = (await jiti.import(file)) as Record<string, unknown>
  } catch (e) {
    const err = e as Error
    const at = locate(err, file)
    const message = err.message
      .replace(/^ParseError:\s*/, '')
      .split('\n')[0]!
      .trim()
    throw new ConfigError([{ file: at ? `${shown}:${at}` : shown, message: `cannot load: ${message}` }])
  }
  const defs = Object.entries(mod).filter(([, v]) => isDefinitionLike(v)) as Array<[string, PipelineDefinition]>
  if (defs.length === 0)
    throw new ConfigError([{ file: shown, message: 'exports no pipeline; use `export default definePipeline({...})`' }])
  const problems: Problem[] = []
  const out: CompiledPipeline[] = []
  for (const [, def] of defs) {
    try {
      out.push(compilePipeline(def, { format: 'ts', file: shown, env: options.env }))
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems)
      else throw e
    }
  }
  if (problems.length) throw new ConfigError(problems)
  return out
}

function isDefinitionLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'id' in v && 'steps' in v && 'trigger' in v
}

/** Load a directory; throws one ConfigError listing every problem of every file. */
export async function loadPipelines(dir: string, options: LoadOptions = {}): Promise<CompiledPipeline[]> {
  const problems: Problem[] = []
  const all: CompiledPipeline[] = []
  for (const file of await listPipelineFiles(dir)) {
    try {
      all.push(...(await loadPipelineFile(file, options)))
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems)
      else problems.push({ file, message: (e as Error).message })
    }
  }
  problems.push(...crossCheck(all))
  if (problems.length) throw new ConfigError(problems)
  return all
}

/** Problems between pipelines: duplicate ids and webhook paths. */
export function crossCheck(pipelines: CompiledPipeline[]): Problem[] {
  const problems: Problem[] = []
  const ids = new Map<string, CompiledPipeline>()
  const paths = new Map<string, CompiledPipeline>()
  for (const p of pipelines) {
    const other = ids.get(p.id)
    if (other)
      problems.push({
        file: p.source.file ?? undefined,
        pipeline: p.id,
        field: 'id',
        message: `pipeline id "${p.id}" is also used in ${other.source.file}`,
      })
    ids.set(p.id, p)
    if (p.trigger.kind === 'webhook') {
      const prev = paths.get(p.trigger.options.path)
      if (prev)
        problems.push({
          file: p.source.file ?? undefined,
          pipeline: p.id,
          field: 'trigger.webhook.path',
          message: `webhook path "${p.trigger.options.path}" is also used by pipeline ${prev.id}`,
        })
      paths.set(p.trigger.options.path, p)
    }
  }
  return problems
}
