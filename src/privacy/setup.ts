/**
 * Whether a hub seals PII, decided once at start-up: paths configured (`PIPEWRIGHT_PII_PATHS`
 * for every pipeline, `pii:` per pipeline) need `PIPEWRIGHT_SECRET_KEY`; sealed fields already
 * stored (a marker in the keyed values lists the key ids that sealed them) need their key too,
 * even once the paths are gone, so old runs still replay. Neither: nothing is installed.
 * @module
 */
import { ConfigError, CredentialError, ErrorCodes, type Problem } from '../errors.js'
import type { CompiledPipeline } from '../pipeline/types.js'
import type { Store } from '../store/contract.js'
import { createPayloadCipher, type PayloadCipher, previousKeys } from './cipher.js'
import { piiPathProblem } from './paths.js'

/** Keyed value naming the keys that have sealed stored fields: `{ keyIds: string[] }`. */
export const PII_MARKER = { namespace: 'pipewright:pii', key: 'sealed-by' } as const

/** The hub-wide PII paths of `PIPEWRIGHT_PII_PATHS` (comma-separated). */
export function hubPiiPaths(env: Record<string, string | undefined>): string[] {
  return (env.PIPEWRIGHT_PII_PATHS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * Problems with the PII configuration that need no store: bad hub-wide paths, and paths
 * configured without `PIPEWRIGHT_SECRET_KEY` (`validate` reports them; start-up refuses).
 */
export function piiConfigProblems(env: Record<string, string | undefined>, pipelines: readonly CompiledPipeline[]): Problem[] {
  const problems: Problem[] = []
  const hub = hubPiiPaths(env)
  for (const p of hub) {
    const problem = piiPathProblem(p)
    if (problem) problems.push({ field: 'PIPEWRIGHT_PII_PATHS', message: problem })
  }
  if (!env.PIPEWRIGHT_SECRET_KEY) {
    if (hub.length)
      problems.push({
        field: 'PIPEWRIGHT_PII_PATHS',
        message: 'PII paths are configured but PIPEWRIGHT_SECRET_KEY is not set; they are encrypted with it (openssl rand -base64 32)',
      })
    for (const p of pipelines)
      if (p.pii?.length)
        problems.push({
          ...(p.source.file ? { file: p.source.file } : {}),
          pipeline: p.id,
          field: 'pii',
          message: 'PII paths are configured but PIPEWRIGHT_SECRET_KEY is not set; they are encrypted with it (openssl rand -base64 32)',
        })
  }
  return problems
}

/** The hub's `pii` option, or undefined when nothing is sealed nor stored sealed. Throws on a missing or wrong key. */
export async function preparePii(options: {
  store: Store
  env: Record<string, string | undefined>
  pipelines: readonly CompiledPipeline[]
  now: number
}): Promise<{ cipher: PayloadCipher; paths: string[] } | undefined> {
  const { store, env, now } = options
  const problems = piiConfigProblems(env, options.pipelines)
  if (problems.length) throw new ConfigError(problems, ErrorCodes.CONFIG_INVALID)
  const paths = hubPiiPaths(env)
  const configured = paths.length > 0 || options.pipelines.some((p) => (p.pii?.length ?? 0) > 0)
  const marker = await store.getKey(PII_MARKER.namespace, PII_MARKER.key, now)
  const sealedBy = marker ? ((marker.value as { keyIds?: string[] }).keyIds ?? []) : []
  if (!configured && sealedBy.length === 0) return undefined
  const secretKey = env.PIPEWRIGHT_SECRET_KEY
  if (!secretKey)
    throw new CredentialError(
      `stored payloads hold fields encrypted under key id ${sealedBy.join(', ')} but PIPEWRIGHT_SECRET_KEY is not set; set the key they were stored with`,
      ErrorCodes.CREDENTIAL_KEY,
    )
  const cipher = createPayloadCipher(secretKey, previousKeys(env.PIPEWRIGHT_SECRET_KEY_PREVIOUS))
  const missing = sealedBy.filter((id) => !cipher.keyIds.includes(id))
  if (missing.length)
    throw new CredentialError(
      `stored payloads hold fields encrypted under key id ${missing.join(', ')}, which PIPEWRIGHT_SECRET_KEY (key id ${cipher.keyId}) ` +
        'is not; set the key they were stored with, or name the old key in PIPEWRIGHT_SECRET_KEY_PREVIOUS after a rotation',
      ErrorCodes.CREDENTIAL_KEY,
    )
  if (configured && !sealedBy.includes(cipher.keyId))
    await store.setKey(PII_MARKER.namespace, PII_MARKER.key, { keyIds: [...sealedBy, cipher.keyId] }, now, null)
  return { cipher, paths }
}
