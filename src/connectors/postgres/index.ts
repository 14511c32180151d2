/**
 * Postgres table: the connector and its typed action factory.
 *
 * @example
 * ```ts
 * import { postgres } from 'pipewright/connectors'
 * postgres.upsert({ rows: ({ lead }) => [{ email: lead.email, score: lead.score }] })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { UpsertInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

export const postgres = {
  upsert: (params: Params<Partial<UpsertInput>> & { rows: Resolvable<UpsertInput['rows']> }, connection?: string): ActionInvocation =>
    invocation('postgres.upsert', params as Record<string, unknown>, connection),
}

export type { PostgresConnection, UpsertInput as PostgresUpsertInput, UpsertOutput as PostgresUpsertOutput } from './connector.js'
export { createPostgresConnector, pgFailure, postgresConnectionSchema } from './connector.js'
export { mergeByKey, quoteIdent, quoteTable, upsertStatements } from './sql.js'
