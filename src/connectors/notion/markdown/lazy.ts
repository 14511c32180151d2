/**
 * The markdown ↔ blocks conversion (mdast, micromark and GFM: ~170 modules) loads when a Notion
 * page's content is first read or written, not with every pipeline set.
 * @module
 */
import { createRequire } from 'node:module'

type Markdown = typeof import('./index.js')
let loading: Promise<Markdown> | null = null
let loaded: Markdown | null = null

export function markdownModule(): Promise<Markdown> {
  loading ??= import('./index.js').then((m) => (loaded = m))
  return loading
}

/**
 * The module now, for synchronous callers; they should have awaited {@link markdownModule}
 * first (the Notion side does in every read). Otherwise it is required synchronously, which
 * Node supports for ES modules from 20.19 and 22.12.
 */
export function markdownNow(): Markdown {
  loaded ??= createRequire(import.meta.url)('./index.js') as Markdown
  return loaded
}
