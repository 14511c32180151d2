/**
 * Named API tokens (docs/governance.md#api-tokens): each has a name (recorded as the actor in
 * the audit log, `token:<name>`) and a scope — `admin` may do everything, `read` may only read
 * (any state-changing request gets 403 `PW_FORBIDDEN`). `PIPEWRIGHT_API_TOKEN` stays the admin
 * token named `default`.
 *
 * Configured as `PIPEWRIGHT_API_TOKENS` (entries `name:scope:token`, separated by commas or new
 * lines) or `PIPEWRIGHT_API_TOKENS_FILE` (a YAML or JSON list of `{ name, scope, token }`).
 * @module
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import { ConfigError, ErrorCodes, type Problem } from '../errors.js'
import { assertApiToken, tokensEqual } from './api-auth.js'

export type TokenScope = 'admin' | 'read'

export interface NamedToken {
  name: string
  scope: TokenScope
  token: string
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

function check(entries: unknown[], setting: string): NamedToken[] {
  const problems: Problem[] = []
  const out: NamedToken[] = []
  entries.forEach((e, i) => {
    const at = `${setting}[${i}]`
    const r = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>
    if (typeof r.name !== 'string' || !NAME_RE.test(r.name)) {
      problems.push({ field: at, message: 'each token needs a name of letters, digits, _ . - (e.g. ci, grafana)' })
      return
    }
    if (r.scope !== 'admin' && r.scope !== 'read') {
      problems.push({ field: at, message: `token ${r.name}: scope must be admin or read (got ${JSON.stringify(r.scope)})` })
      return
    }
    if (typeof r.token !== 'string') {
      problems.push({ field: at, message: `token ${r.name}: no token value` })
      return
    }
    try {
      assertApiToken(r.token, `${setting} (token ${r.name})`)
    } catch (err) {
      problems.push(...(err as ConfigError).problems)
      return
    }
    if (out.some((t) => t.name === r.name)) problems.push({ field: at, message: `token name ${r.name} is used twice` })
    else if (out.some((t) => tokensEqual(t.token, r.token as string)))
      problems.push({ field: at, message: `token ${r.name} has the same value as another token` })
    else out.push({ name: r.name, scope: r.scope, token: r.token })
  })
  if (problems.length) throw new ConfigError(problems, ErrorCodes.CONFIG_INVALID)
  return out
}

/** `name:scope:token` entries, separated by commas or new lines. Errors never show a token. */
export function parseApiTokens(text: string, setting = 'PIPEWRIGHT_API_TOKENS'): NamedToken[] {
  const entries = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [name, scope, ...rest] = s.split(':')
      return { name, scope, token: rest.length ? rest.join(':') : undefined }
    })
  return check(entries, setting)
}

/** A YAML or JSON list of `{ name, scope, token }` (PIPEWRIGHT_API_TOKENS_FILE). */
export function parseApiTokensFile(text: string, setting = 'PIPEWRIGHT_API_TOKENS_FILE'): NamedToken[] {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (e) {
    throw new ConfigError(
      [{ field: setting, message: `not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}` }],
      ErrorCodes.CONFIG_INVALID,
    )
  }
  const list = Array.isArray(doc) ? doc : (doc as { tokens?: unknown } | null)?.tokens
  if (!Array.isArray(list))
    throw new ConfigError([{ field: setting, message: 'must be a list of { name, scope, token }' }], ErrorCodes.CONFIG_INVALID)
  return check(list, setting)
}

/** The token a bearer value matches (every token is compared, in constant time), or null. */
export function identify(bearer: string, tokens: readonly NamedToken[]): NamedToken | null {
  let found: NamedToken | null = null
  for (const t of tokens) if (tokensEqual(bearer, t.token) && !found) found = t
  return found
}

/** The named tokens an environment configures (`PIPEWRIGHT_API_TOKENS`, `PIPEWRIGHT_API_TOKENS_FILE`). */
export async function apiTokensFromEnv(env: Record<string, string | undefined>, cwd: string): Promise<NamedToken[]> {
  const out = env.PIPEWRIGHT_API_TOKENS ? parseApiTokens(env.PIPEWRIGHT_API_TOKENS) : []
  const file = env.PIPEWRIGHT_API_TOKENS_FILE
  if (file) {
    let text: string
    try {
      text = await readFile(resolve(cwd, file), 'utf8')
    } catch (e) {
      throw new ConfigError(
        [
          {
            field: 'PIPEWRIGHT_API_TOKENS_FILE',
            message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          },
        ],
        ErrorCodes.CONFIG_INVALID,
      )
    }
    out.push(...parseApiTokensFile(text))
  }
  return out
}
