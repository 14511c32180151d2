/**
 * The Notion connector (Notion-Version 2025-09-03): `dataSources.query`, legacy
 * `databases.query`, `pages.create`, `pages.update`, at Notion's average of 3 requests/s.
 * @module
 */
import { defineConnector } from '../contract.js'
import { databasesQuery, dataSourcesQuery, pagesCreate, pagesUpdate } from './actions.js'
import { type NotionConnection, notionConnectionSchema, notionFromEnv, notionLimits } from './connection.js'

export const notionConnector = defineConnector<NotionConnection>({
  id: 'notion',
  connection: notionConnectionSchema as never,
  fromEnv: notionFromEnv,
  limits: notionLimits,
  actions: {
    'dataSources.query': dataSourcesQuery,
    'databases.query': databasesQuery,
    'pages.create': pagesCreate,
    'pages.update': pagesUpdate,
  },
})
