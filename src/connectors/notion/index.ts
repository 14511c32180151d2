/**
 * Notion: the connector, the property builder and typed action factories for pipelines.
 *
 * @example
 * ```ts
 * import { notion } from 'pipewright/connectors'
 * notion.pages.create({ databaseId: 'f3c…', properties: ({ lead }) => ({ Name: notion.props.title(lead.company), Score: notion.props.number(lead.score) }) })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { DatabaseQueryInput, DataSourceQueryInput, PageCreateInput, PageUpdateInput } from './actions.js'
import { props } from './props.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

const make =
  <T>(ref: string) =>
  (params: T, connection?: string): ActionInvocation =>
    invocation(ref, params as Record<string, unknown>, connection)

export const notion = {
  props,
  dataSources: { query: make<Params<Partial<DataSourceQueryInput>>>('notion.dataSources.query') },
  databases: { query: make<Params<Partial<DatabaseQueryInput>> & { databaseId: Resolvable<string> }>('notion.databases.query') },
  pages: {
    create: make<Params<Partial<PageCreateInput>> & { properties: Resolvable<PageCreateInput['properties']> }>('notion.pages.create'),
    update: make<Params<Partial<PageUpdateInput>> & { pageId: Resolvable<string> }>('notion.pages.update'),
  },
}

export type { DatabaseQueryInput, DataSourceQueryInput, PageCreateInput, PageOutput, PageUpdateInput, QueryOutput } from './actions.js'
export { classifyNotion } from './classify.js'
export type { NotionConnection } from './connection.js'
export { NOTION_LEGACY_VERSION, NOTION_VERSION, notionConnectionSchema, notionFromEnv, notionLimits } from './connection.js'
export { notionConnector } from './connector.js'
export type { NotionEmulatorOptions } from './emulator.js'
export { DEFAULT_DATA_SOURCE_ID, DEFAULT_DATABASE_ID, notionEmulator } from './emulator.js'
export { props, RICH_TEXT_MAX, richTextItems } from './props.js'
