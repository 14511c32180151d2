/**
 * A folder of markdown files (in git) ↔ the pages of a Notion data source, both ways, every
 * 15 minutes and on `pipewright sync run knowledge`. The page title is the file's `title`, the
 * content is the markdown body, the `Tags` multi-select is the front matter's `tags`. Both sides
 * changed → the later edit wins and the other is kept in a conflict section (and recorded).
 */
import { defineSync, env } from 'pipewright'

export default defineSync({
  id: 'knowledge',
  description: 'knowledge/*.md ↔ Notion knowledge base',
  sides: {
    a: env('KNOWLEDGE_FOLDER_SIDE', 'folder:./knowledge'),
    b: { side: env('KNOWLEDGE_NOTION_SIDE', 'notion:kb/00000000-0000-4000-8000-000000000000'), matchKeys: ['Name'] },
  },
  match: { a: 'title', b: 'Name', normalize: 'trim' },
  fields: [
    { a: 'title', b: 'Name', owner: 'latest' },
    { a: 'body', b: 'body', owner: 'latest', conflict: 'markers' },
    { a: 'tags', b: 'Tags', owner: 'latest' },
  ],
  deletes: 'ignore',
  schedule: { every: '15m', repair: '6h' },
})
