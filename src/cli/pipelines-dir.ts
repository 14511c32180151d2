/**
 * Where a command reads its pipelines from (a module of its own so `start` need not load the
 * `run`/`validate` commands to find it).
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { type CliIo, UsageError } from './io.js'

/**
 * The pipelines directory: `--dir`, else ./pipelines. A `--dir` that does not exist is a usage
 * error (a typo must not look like "0 pipelines").
 */
export function pipelinesDir(io: CliIo, dir?: string): string {
  const path = resolve(io.cwd, dir ?? 'pipelines')
  if (dir !== undefined && !existsSync(path)) throw new UsageError(`--dir ${dir}: no such directory (${path})`)
  if (dir !== undefined && !statSync(path).isDirectory()) throw new UsageError(`--dir ${dir}: not a directory (${path})`)
  return path
}
