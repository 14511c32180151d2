/**
 * The Airtable connector: `records.list`, `records.create`, `records.update`,
 * `records.upsert`, `records.delete`, with Airtable's limits (5 req/s per base, 50 req/s per token) and
 * batches of 10 records per write.
 * @module
 */
import { defineConnector } from '../contract.js'
import { recordsDelete } from './action-delete.js'
import { recordsList } from './action-list.js'
import { recordsCreate, recordsUpdate, recordsUpsert } from './action-write.js'
import { type AirtableConnection, airtableConnectionSchema, airtableFromEnv, airtableLimits } from './connection.js'

export const airtableConnector = defineConnector<AirtableConnection>({
  id: 'airtable',
  connection: airtableConnectionSchema as never,
  fromEnv: airtableFromEnv,
  limits: airtableLimits,
  actions: {
    'records.list': recordsList,
    'records.create': recordsCreate,
    'records.update': recordsUpdate,
    'records.upsert': recordsUpsert,
    'records.delete': recordsDelete,
  },
})
