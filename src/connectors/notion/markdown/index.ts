/**
 * Markdown ↔ Notion blocks (see to-blocks.ts for the supported subset) and writing a block tree
 * within Notion's request limits (chunk.ts).
 * @module
 */
export { appendRequests, appendTree, type BlockWriter, MAX_BLOCKS_PER_REQUEST, MAX_CHILDREN, MAX_DEPTH } from './chunk.js'
export { blocksToMarkdown, MARKDOWN_OPTIONS } from './from-blocks.js'
export { CODE_LANGUAGES } from './languages.js'
export { fromRichText, type RichText, richTextPlain, splitText, toRichText } from './rich-text.js'
export { childrenOf, dataOf, markdownToBlocks, type NotionBlock, notionLanguage, parseMarkdown } from './to-blocks.js'

import { blocksToMarkdown } from './from-blocks.js'
import { markdownToBlocks } from './to-blocks.js'

/** Markdown as it comes back after a trip through Notion (the form a Notion side compares). */
export function notionRoundTrip(markdown: string): string {
  return blocksToMarkdown(markdownToBlocks(markdown))
}
