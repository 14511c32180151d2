/**
 * Validate and compile a `poll` trigger: the source reference names a side kind
 * (src/sync/sides) whose record source is read; the remaining options are that kind's options.
 * @module
 */
import type { Problem } from '../errors.js'
import { parseSideRef } from '../sync/side.js'
import { builtinSideKinds } from '../sync/sides/index.js'
import { tryParseDuration } from './duration.js'
import type { CompiledTrigger } from './types.js'

const DEFAULT_EVERY_MS = 60_000
const MIN_EVERY_MS = 1000

interface Ctx {
  file: string | undefined
  pipeline: string
  problems: Problem[]
}

export function compilePoll(opts: Record<string, unknown>, ctx: Ctx): CompiledTrigger | null {
  const where = { file: ctx.file, pipeline: ctx.pipeline }
  const problem = (field: string, message: string) => ctx.problems.push({ ...where, field: `trigger.poll.${field}`, message })
  const { source, every, backfill, pageSize, ...rest } = opts
  const kinds = builtinSideKinds()
  let sourceOptions: Record<string, unknown> = {}
  const ref = typeof source === 'string' ? parseSideRef(source) : null
  if (!ref) problem('source', `source must be "<kind>:<connection>/<object>", e.g. "hubspot:main/contacts" (got ${JSON.stringify(source)})`)
  else {
    const kind = kinds.get(ref.kind)
    if (!kind) problem('source', `unknown source kind "${ref.kind}"; known: ${[...kinds.keys()].join(', ')}`)
    else {
      const parsed = kind.options.safeParse(rest)
      if (!parsed.success)
        for (const issue of parsed.error.issues) {
          const extra = issue.code === 'unrecognized_keys' ? ` (${(issue as { keys: string[] }).keys.join(', ')})` : ''
          problem(issue.path.join('.') || 'source', `${issue.message}${extra}`)
        }
      else sourceOptions = parsed.data as Record<string, unknown>
    }
  }
  const everyMs = every === undefined ? DEFAULT_EVERY_MS : tryParseDuration(every as string | number)
  if (typeof everyMs === 'string') problem('every', everyMs)
  else if (everyMs < MIN_EVERY_MS) problem('every', `every must be at least 1s (got ${String(every)})`)
  if (backfill !== undefined && typeof backfill !== 'boolean') problem('backfill', 'backfill must be true or false')
  const size = pageSize === undefined ? 100 : pageSize
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 1000)
    problem('pageSize', 'pageSize must be an integer from 1 to 1000')
  if (!ref || typeof everyMs !== 'number') return null
  return {
    kind: 'poll',
    options: {
      source: source as string,
      everyMs,
      backfill: backfill !== false,
      pageSize: typeof size === 'number' ? size : 100,
      sourceOptions,
    },
  }
}
