/**
 * Writing a tree of blocks within Notion's request limits: at most 100 blocks in any children
 * array, at most two levels of nesting below the blocks appended, at most 1,000 blocks per
 * request. A page of 250 blocks is three appends (100, 100, 50), each after the last; children
 * beyond a request's limits are appended to their parent block in later requests, once its id
 * is known (from the append's answer, or by listing the new block's children).
 * @module
 */
import { childrenOf, dataOf, type NotionBlock } from './to-blocks.js'

export const MAX_CHILDREN = 100
export const MAX_DEPTH = 2
export const MAX_BLOCKS_PER_REQUEST = 1000

/** The calls the writer makes; the Notion connector backs them with paced HTTP requests. */
export interface BlockWriter {
  /** Append children to a page or block (after `after` when given); resolves with the created top-level block ids. */
  append(parentId: string, children: NotionBlock[], after?: string): Promise<string[]>
  /** Ids of a block's children, in order (every page). */
  childIds(blockId: string): Promise<string[]>
}

interface Deferred {
  /** Index path from the request's top-level blocks to the block that gets `blocks`. */
  path: number[]
  blocks: NotionBlock[]
}

/** Blocks a request still has room for, and whether `b` (with a table's first row) fits. */
const fits = (b: NotionBlock, budget: { n: number }) => budget.n >= (b.type === 'table' ? 2 : 1)

/** A block with children cut to the request limits; what was cut goes to `deferred`. */
function trim(b: NotionBlock, depth: number, path: number[], deferred: Deferred[], budget: { n: number }): NotionBlock {
  budget.n--
  const data = { ...dataOf(b) }
  const kids = childrenOf(b)
  delete data.children
  if (kids.length === 0) return { ...b, [b.type]: data }
  const keep: NotionBlock[] = []
  if (depth < MAX_DEPTH) {
    for (const k of kids.slice(0, MAX_CHILDREN)) {
      // a table comes with its rows (it needs one at least): not on the last level, where rows cannot follow
      if ((k.type === 'table' && depth + 1 === MAX_DEPTH) || !fits(k, budget)) break
      keep.push(trim(k, depth + 1, [...path, keep.length], deferred, budget))
    }
  }
  const rest = kids.slice(keep.length)
  if (rest.length) deferred.push({ path, blocks: rest })
  if (keep.length) data.children = keep
  return { ...b, [b.type]: data }
}

/** The next request's top-level blocks, trimmed: ≤ 100 of them, ≤ 1,000 blocks in all. */
function nextChunk(blocks: NotionBlock[], from: number, deferred: Deferred[]): NotionBlock[] {
  const budget = { n: MAX_BLOCKS_PER_REQUEST }
  const out: NotionBlock[] = []
  for (let i = from; i < blocks.length && out.length < MAX_CHILDREN && fits(blocks[i]!, budget); i++)
    out.push(trim(blocks[i]!, 0, [out.length], deferred, budget))
  return out
}

/** Append a tree of blocks under `parentId` (after `after`), in as few requests as the limits allow. */
export async function appendTree(w: BlockWriter, parentId: string, blocks: NotionBlock[], after?: string): Promise<string[]> {
  const created: string[] = []
  let last = after
  for (let i = 0; i < blocks.length; ) {
    const deferred: Deferred[] = []
    const chunk = nextChunk(blocks, i, deferred)
    const ids = await w.append(parentId, chunk, last)
    created.push(...ids)
    last = ids[ids.length - 1] ?? last
    const known = new Map<string, string[]>()
    const resolve = async (path: number[]): Promise<string> => {
      let id = ids[path[0]!]!
      for (const step of path.slice(1)) {
        let kids = known.get(id)
        if (!kids) {
          kids = await w.childIds(id)
          known.set(id, kids)
        }
        id = kids[step]!
      }
      return id
    }
    for (const d of deferred) await appendTree(w, await resolve(d.path), d.blocks)
    i += chunk.length
  }
  return created
}

/** How many requests `appendTree` makes for these blocks when no block nests deeper than the limits. */
export function appendRequests(blocks: NotionBlock[]): number {
  let n = 0
  for (let i = 0; i < blocks.length; n++) i += nextChunk(blocks, i, []).length
  return n
}
