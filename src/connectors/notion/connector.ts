/**
 * The Notion connector (Notion-Version 2025-09-03): `dataSources.query`, legacy
 * `databases.query`, `pages.create`, `pages.update`, at Notion's average of 3 requests/s.
 * @module
 */
import { defineConnector } from '../contract.js'
import { databasesQuery, dataSourcesQuery, pagesCreate, pagesUpdate } from './actions.js'
import { type NotionConnection, notionConnectionSchema, notionFromEnv, notionLimits } from './connection.js'
import { pagesReadMarkdown, pagesWriteMarkdown } from './content.js'
import { recordsArchive, recordsGet, recordsQuery, recordsWrite } from './records.js'

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
    'pages.readMarkdown': pagesReadMarkdown,
    'pages.writeMarkdown': pagesWriteMarkdown,
    'records.query': recordsQuery,
    'records.get': recordsGet,
    'records.write': recordsWrite,
    'records.archive': recordsArchive,
  },
})
