/**
 * The Postgres table connector. `postgres.upsert`: rows are upserted by key columns in one
 * transaction via `pg`, identifiers quoted, values parameterised. Running the same rows twice
 * leaves one row per key. Concurrent calls for one table are coalesced (batch of up to 500
 * calls); when a batch fails permanently, each call is retried in its own transaction so only
 * the bad one fails. Needs a unique index or primary key on the key columns. Row actions for
 * record sources and sync sides (`read`, `scan`, `get`, `insert`, `update`, `delete`) are in rows.ts.
 * @module
 */
import type pg from 'pg'
import { z } from 'zod'
import { ErrorCodes, isNonRetryable, NonRetryableError, RetryableError } from '../../errors.js'
import { type ActionContext, type ActionDefinition, type ConnectorDefinition, defineConnector } from '../contract.js'
import { rowActions } from './rows.js'
import { mergeByKey, type Row, upsertStatements } from './sql.js'

export const postgresConnectionSchema = z.object({
  /** `postgres://user:pass@host:5432/db`. */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'url must start with postgres://'),
  /** Replaces `url` (e.g. a sandbox database); kept for symmetry with other connectors. */
  baseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .optional(),
  /** Default table of `upsert`. */
  table: z.string().min(1).optional(),
  schema: z.string().min(1).optional(),
  /** Key columns of `upsert` (a unique index or primary key must cover exactly these). */
  key: z.array(z.string().min(1)).min(1).optional(),
  /** Pool size. @defaultValue 5 */
  poolSize: z.number().int().positive().default(5),
})
export type PostgresConnection = z.infer<typeof postgresConnectionSchema>

export const upsertInput = z.object({
  rows: z.array(z.record(z.string(), z.unknown())).min(1),
  /** Overrides the connection's table (and schema/key). */
  table: z.string().min(1).optional(),
  schema: z.string().min(1).optional(),
  key: z.array(z.string().min(1)).min(1).optional(),
})
export type UpsertInput = z.infer<typeof upsertInput>
export interface UpsertOutput {
  rows: number
}

type Ctx = ActionContext<PostgresConnection>

const RETRYABLE_SQLSTATE = /^(08|40|53|57P|58)/

/** A pg error as a control-flow error: integrity, syntax, undefined objects and data errors are permanent. */
export function pgFailure(e: unknown, what: string): Error {
  const err = e as { code?: string; message?: string; detail?: string }
  const code = err.code
  const detail = [err.message, err.detail].filter(Boolean).join(' — ')
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    if (RETRYABLE_SQLSTATE.test(code)) return new RetryableError(`${what}: ${detail}`, { providerCode: code, cause: e })
    return new NonRetryableError(`${what}: ${detail}${code === '42P10' ? ' (add a unique index on the key columns)' : ''}`, {
      providerCode: code,
      cause: e,
    })
  }
  return new RetryableError(`${what}: ${detail || code || 'connection failed'}`, {
    code: ErrorCodes.CONNECTOR_NETWORK,
    providerCode: code,
    cause: e,
  })
}

export function createPostgresConnector(): ConnectorDefinition<PostgresConnection> {
  const pools = new Map<string, pg.Pool>()
  /** pg loads with the first call, not with every pipeline set. */
  let Pool: typeof pg.Pool | null = null
  const poolOf = async (c: PostgresConnection) => {
    const url = c.baseUrl ?? c.url
    Pool ??= (await import('pg')).default.Pool
    let p = pools.get(url)
    if (!p) {
      p = new Pool({ connectionString: url, max: c.poolSize })
      p.on('error', () => undefined)
      pools.set(url, p)
    }
    return p
  }

  async function transaction(inputs: UpsertInput[], ctx: Ctx): Promise<void> {
    const c = ctx.connection
    const first = inputs[0]
    const table = first.table ?? c.table
    const schema = first.schema ?? c.schema
    const key = first.key ?? c.key
    if (!table || !key)
      throw new NonRetryableError('postgres.upsert: no table or key columns; set them on the connection or in the call (table, key)')
    const rows: Row[] = []
    for (const [i, input] of inputs.entries()) {
      for (const [j, row] of input.rows.entries()) {
        const missing = key.filter((k) => row[k] === undefined || row[k] === null)
        if (missing.length)
          throw new NonRetryableError(
            `postgres.upsert: rows[${j}]${inputs.length > 1 ? ` of call ${i}` : ''} has no value for key column(s) ${missing.join(', ')}`,
          )
        rows.push(row)
      }
    }
    let client: pg.PoolClient
    try {
      client = await (await poolOf(c)).connect()
    } catch (e) {
      throw pgFailure(e, 'postgres.upsert: connect')
    }
    try {
      await client.query('BEGIN')
      for (const s of upsertStatements(table, schema, key, mergeByKey(rows, key))) await client.query(s.text, s.values)
      await client.query('COMMIT')
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw pgFailure(e, `postgres.upsert into ${schema ? `${schema}.` : ''}${table}`)
    } finally {
      client.release()
    }
  }

  async function query(ctx: Ctx, text: string, values: unknown[], what: string): Promise<pg.QueryResult> {
    try {
      return await (await poolOf(ctx.connection)).query(text, values)
    } catch (e) {
      throw pgFailure(e, what)
    }
  }

  const upsert: ActionDefinition<PostgresConnection, UpsertInput, UpsertOutput> = {
    input: upsertInput as z.ZodType<UpsertInput>,
    batch: {
      maxSize: 500,
      windowMs: 20,
      key: (i) => JSON.stringify([i.schema ?? null, i.table ?? null, i.key ?? null]),
      run: async (inputs, ctx) => {
        try {
          await transaction(inputs, ctx)
          return inputs.map((i) => ({ rows: i.rows.length }))
        } catch (e) {
          if (inputs.length === 1 || !isNonRetryable(e)) return inputs.map(() => e as Error)
          const out: Array<UpsertOutput | Error> = []
          for (const input of inputs)
            out.push(
              await transaction([input], ctx).then(
                () => ({ rows: input.rows.length }),
                (x: Error) => x,
              ),
            )
          return out
        }
      },
    },
    run: async (input, ctx) => {
      await transaction([input], ctx)
      return { rows: input.rows.length }
    },
  }

  return defineConnector<PostgresConnection>({
    id: 'postgres',
    connection: postgresConnectionSchema as never,
    fromEnv: (env) => {
      if (!env.POSTGRES_URL) return null
      return {
        url: env.POSTGRES_URL,
        ...(env.POSTGRES_TABLE ? { table: env.POSTGRES_TABLE } : {}),
        ...(env.POSTGRES_KEY
          ? {
              key: env.POSTGRES_KEY.split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        ...(env.POSTGRES_SCHEMA ? { schema: env.POSTGRES_SCHEMA } : {}),
        ...(env.POSTGRES_BASE_URL ? { baseUrl: env.POSTGRES_BASE_URL } : {}),
      }
    },
    limits: { maxConcurrent: 5 },
    actions: { upsert, ...rowActions(query) },
    close: async () => {
      const all = [...pools.values()]
      pools.clear()
      await Promise.all(all.map((p) => p.end().catch(() => undefined)))
    },
  })
}
