/**
 * `.env` in the working directory, read when a command starts: `NAME=value` lines (comments,
 * quotes and `export` as dotenv writes them, parsed by Node's own `util.parseEnv`). The process
 * environment wins over the file, so a deployment can always override it; the file never
 * overrides what the shell set.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import type { CliIo } from './io.js'

/** The names a `.env` file sets (empty when there is none). Its values are never printed. */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {}
  const parsed = parseEnv(readFileSync(path, 'utf8'))
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(parsed)) if (v !== undefined) out[k] = v
  return out
}

/** `io` whose environment is `.env` (from `io.cwd`) overlaid by the real environment. */
export function withEnvFile(io: CliIo): CliIo {
  const fromFile = readEnvFile(join(io.cwd, '.env'))
  if (Object.keys(fromFile).length === 0) return io
  const env: Record<string, string | undefined> = { ...fromFile }
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v
  return { ...io, env }
}
