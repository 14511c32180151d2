/**
 * What CLI commands that print stored data (`runs list|show|export`, `dlq list|show`) mask, so
 * they print what the API answers: every secret the running hub masks — secret-named environment
 * variables, connection credentials, environment values the pipelines use as credentials
 * (pipeline/credentials.ts) — and no stack traces (they name files) unless PIPEWRIGHT_DEBUG.
 * Pipelines and connections are read best-effort: a mistake in them must not stop `runs show`.
 * @module
 */
import { loadConnections } from '../connections/index.js'
import { builtinConnectors } from '../connectors/registry.js'
import { pipelineSecrets } from '../pipeline/compile.js'
import { loadPipelines } from '../pipeline/load.js'
import type { CompiledPipeline } from '../pipeline/types.js'
import { secretValues } from '../runtime.js'
import { withoutStacks } from '../server/public-errors.js'
import type { CliIo } from './io.js'

export interface CliRedaction {
  /** For the hub's redactor (`createHub({ redact: { secrets } })`). */
  secrets: string[]
  /** The pipelines, for their webhook `redact` paths (empty when they do not load). */
  pipelines: CompiledPipeline[]
  /** Strip stack traces from what is printed, unless PIPEWRIGHT_DEBUG is on. */
  publish<T>(value: T): T
}

export async function cliRedaction(io: CliIo, pipelinesDir: string): Promise<CliRedaction> {
  const secrets = secretValues(io.env)
  let pipelines: CompiledPipeline[] = []
  try {
    pipelines = await loadPipelines(pipelinesDir, { env: io.env, cwd: io.cwd })
  } catch {
    // no pipelines here, or they do not compile: mask what is known
  }
  for (const p of pipelines) secrets.push(...pipelineSecrets(p))
  try {
    const configured = await loadConnections({ cwd: io.cwd, env: io.env, connectors: builtinConnectors() })
    secrets.push(...configured.secrets)
  } catch {
    // connections that do not resolve: their values are not known to be secrets here
  }
  const debug = ['1', 'true', 'yes', 'on'].includes((io.env.PIPEWRIGHT_DEBUG ?? '').toLowerCase())
  return { secrets, pipelines, publish: (v) => (debug ? v : withoutStacks(v)) }
}
