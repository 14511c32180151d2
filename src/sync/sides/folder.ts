/**
 * The folder side: `folder:./knowledge` (or `folder:/abs/path`, `folder:notes`) — markdown files
 * with YAML front matter, one record per file, through the `folder` connector.
 *
 * - A record's id is the stable id in its front matter (`pw_id`, option `idField`), stamped
 *   into a file the first time it is listed. Renaming or moving the file keeps the id: the
 *   sync sees a change of `path`, never a deletion and a creation.
 * - Fields: the front matter keys, plus `title` (front matter, else the file name), `path`
 *   (relative, `/`-separated) and `body` (the markdown after the front matter). Writing
 *   `path` moves the file; writing `body` replaces the content; other fields go to the front
 *   matter.
 * - Reads compare each file's content hash with the hashes of the last read (kept in the
 *   cursor with the latest mtime), so an edit is seen even when a tool kept the old mtime, and
 *   a file gone since the last read is reported deleted. The modification time is the mtime.
 *
 * @example
 * ```ts
 * sides: { a: 'folder:./knowledge', b: 'notion:kb/1f6e…d5d1' }
 * ```
 * @module
 */
import { z } from 'zod'
import type { FolderEntry } from '../../connectors/folder/connector.js'
import type { SourceCursor, SourceRecord } from '../../sources/contract.js'
import type { SideKind, SyncSide } from '../side.js'

const name = z.string().min(1)
const folderOptions = z
  .object({
    idField: name.default('pw_id'),
    body: name.default('body'),
    path: name.default('path'),
    title: name.default('title'),
    extensions: z.array(name).default(['.md']),
    /** Front matter keys (for validation); `title`, `path` and `body` are always known. */
    fields: z.array(name).optional(),
    /** @defaultValue ['path'] */
    matchKeys: z.array(name).default(['path']),
  })
  .strict()
export type FolderSideOptions = z.infer<typeof folderOptions>

/** The read position: the latest mtime read, and every file's content hash and path at that read. */
interface FolderCursor extends SourceCursor {
  seen: Record<string, string>
}

/** `folder:./knowledge` → `./knowledge`; `folder:/srv/kb` → `/srv/kb`; `folder:kb` → `kb`. */
export function folderDir(spec: { connection: string; object: string }): string {
  return spec.connection === 'default' ? spec.object : `${spec.connection}/${spec.object}`
}

export const folderSide: SideKind<FolderSideOptions> = {
  kind: 'folder',
  // a knowledge base changes slowly, and Notion allows 3 requests a second: every 15 minutes
  defaultEveryMs: 15 * 60_000,
  options: folderOptions as never,
  knownFields: (spec) => {
    const o = spec.options
    return o.fields ? [...new Set([o.title, o.path, o.body, ...o.fields])] : null
  },
  supports: { delete: true },
  create(spec, ctx): SyncSide {
    const o = spec.options
    const dir = folderDir(spec)
    const ref = `folder:${dir}`
    const at = { dir, idField: o.idField, extensions: o.extensions }
    const list = async (signal?: AbortSignal) =>
      ((await ctx.invoke('folder.list', at, signal ? { signal } : {})) as { files: FolderEntry[] }).files
    const toRecord = (e: FolderEntry): SourceRecord => {
      const base = e.path.split('/').pop() ?? e.path
      const stem = o.extensions.reduce((s, x) => (s.endsWith(x) ? s.slice(0, -x.length) : s), base)
      return {
        id: e.id,
        modifiedAt: e.mtimeMs,
        fields: { ...e.data, [o.title]: e.data[o.title] ?? stem, [o.path]: e.path, [o.body]: e.body },
      }
    }
    const write = (id: string | undefined, fields: Record<string, unknown>, upsertOn?: string) => {
      const { [o.body]: body, [o.path]: path, ...set } = fields
      return {
        ref: 'folder.write',
        input: {
          ...at,
          ...(id ? { id } : {}),
          set,
          ...(body === undefined ? {} : { body: body === null ? '' : String(body) }),
          ...(typeof path === 'string' && path ? { path } : {}),
          ...(typeof fields[o.title] === 'string' ? { title: fields[o.title] } : {}),
          ...(upsertOn === o.path ? { upsertPath: true } : {}),
        },
      }
    }
    return {
      ref,
      fields: folderSide.knownFields!(spec),
      matchKeys: o.matchKeys,
      source: {
        ref,
        async readChanges(cursor, options) {
          const c = cursor as FolderCursor | null
          const seen = c?.seen ?? {}
          const files = await list(options?.signal)
          const now: Record<string, string> = {}
          const records: SourceRecord[] = []
          let last: SourceCursor | null = c ? { modifiedAt: c.modifiedAt, id: c.id } : null
          for (const f of files) {
            // content and place: a move without an edit is a change of `path`
            const mark = `${f.hash}:${f.path}`
            now[f.id] = mark
            if (seen[f.id] !== mark) records.push(toRecord(f))
            if (!last || f.mtimeMs > last.modifiedAt || (f.mtimeMs === last.modifiedAt && f.id > last.id))
              last = { modifiedAt: f.mtimeMs, id: f.id }
          }
          const stamp = ctx.clock.now()
          for (const id of Object.keys(seen)) if (!(id in now)) records.push({ id, modifiedAt: stamp, fields: {}, deleted: true })
          records.sort((x, y) => x.modifiedAt - y.modifiedAt || (x.id < y.id ? -1 : 1))
          return { records, cursor: last ? ({ ...last, seen: now } as FolderCursor) : null, more: false }
        },
        async *scan(options) {
          yield (await list(options?.signal)).map(toRecord)
        },
        async get(ids, options) {
          const out = (await ctx.invoke('folder.get', { ...at, ids }, options?.signal ? { signal: options.signal } : {})) as {
            files: FolderEntry[]
          }
          return out.files.map(toRecord)
        },
      },
      create: (fields, { upsertOn }) => write(undefined, fields, upsertOn),
      update: (id, fields) => write(id, fields),
      delete: (id) => ({ ref: 'folder.delete', input: { ...at, id } }),
      createdId: (out) => String((out as { id: string }).id),
    }
  },
}
