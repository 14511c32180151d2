/**
 * A Notion block as plain data, and its parts (no markdown parser: the connector reads these
 * without loading mdast/micromark).
 * @module
 */
export interface NotionBlock {
  object?: 'block'
  type: string
  [type: string]: unknown
}

/** The data of a block's type (`block.paragraph`). */
export const dataOf = (b: NotionBlock): Record<string, unknown> => (b[b.type] ?? {}) as Record<string, unknown>
/** A block's children (nested blocks of any depth). */
export const childrenOf = (b: NotionBlock): NotionBlock[] => (dataOf(b).children as NotionBlock[] | undefined) ?? []
