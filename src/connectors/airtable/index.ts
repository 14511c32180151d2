/**
 * Airtable: the connector and typed action factories for pipelines.
 *
 * @example
 * ```ts
 * import { airtable } from 'pipewright/connectors'
 * airtable.records.upsert({ base: 'appXXXX', table: 'Leads', fieldsToMergeOn: ['Email'], fields: ({ lead }) => ({ Email: lead.email }) })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { DeleteInput } from './action-delete.js'
import type { ListInput } from './action-list.js'
import type { CreateInput, UpdateInput, UpsertInput } from './action-write.js'

/** A parameter given as a value or as a function of the run's scope (earlier step outputs). */
type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }
type Loose<T, Required extends keyof T> = Params<Partial<T>> & Params<Pick<T, Required>>

const make =
  <T>(ref: string) =>
  (params: T, connection?: string): ActionInvocation =>
    invocation(ref, params as Record<string, unknown>, connection)

export const airtable = {
  records: {
    list: make<Loose<ListInput, 'base' | 'table'>>('airtable.records.list'),
    create: make<Loose<CreateInput, 'base' | 'table' | 'fields'>>('airtable.records.create'),
    update: make<Loose<UpdateInput, 'base' | 'table' | 'id' | 'fields'>>('airtable.records.update'),
    upsert: make<Loose<UpsertInput, 'base' | 'table' | 'fields' | 'fieldsToMergeOn'>>('airtable.records.upsert'),
    delete: make<Loose<DeleteInput, 'base' | 'table' | 'id'>>('airtable.records.delete'),
  },
}

export type { DeleteInput, DeleteOutput } from './action-delete.js'
export type { AirtableRecord, ListInput, ListOutput } from './action-list.js'
export type { CreateInput, UpdateInput, UpsertInput, WriteOutput } from './action-write.js'
export { AIRTABLE_RATE_LIMIT_WAIT_MS, classifyAirtable } from './classify.js'
export type { AirtableConnection } from './connection.js'
export { AIRTABLE_BATCH_SIZE, airtableConnectionSchema, airtableFromEnv, airtableLimits } from './connection.js'
export { airtableConnector } from './connector.js'
export type { AirtableEmulatorOptions } from './emulator.js'
export { airtableEmulator } from './emulator.js'
