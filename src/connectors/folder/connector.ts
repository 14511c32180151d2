/**
 * The `folder` connector: markdown files with front matter in a local folder (a git work tree,
 * typically), for the `folder:` sync side. Each file carries a stable id in its front matter
 * (`pw_id` by default) so a rename or a move is the same record; files without one get one
 * when first listed.
 *
 * - `folder.list` `{ dir, idField?, extensions?, assignIds? }` → every file: id, path, mtime, hash, front matter, body
 * - `folder.get` `{ dir, ids }` → the files with these ids
 * - `folder.write` `{ dir, id?, set, body?, path?, upsertPath? }` → `{ id, path, created }` (a changed `path` moves the file)
 * - `folder.delete` `{ dir, id }` → `{ id, deleted }`
 *
 * `dir` is resolved against the connection's `root` (default: the working directory); every
 * file path must stay inside `dir`.
 * @module
 */
import { resolve } from 'node:path'
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import { newId } from '../../ids.js'
import { type ActionContext, type ActionDefinition, defineConnector } from '../contract.js'
import { contentHash, inside, listFiles, parseFile, readText, removeFile, renderFile, slugify, writeText } from './files.js'

export interface FolderConnection {
  root?: string
}

export interface FolderEntry {
  id: string
  path: string
  mtimeMs: number
  hash: string
  data: Record<string, unknown>
  body: string
}

const common = {
  dir: z.string().min(1),
  idField: z.string().min(1).default('pw_id'),
  extensions: z.array(z.string().min(1)).default(['.md']),
}
const listInput = z.object({ ...common, assignIds: z.boolean().default(true) })
const getInput = z.object({ ...common, ids: z.array(z.string()) })
const writeInput = z.object({
  ...common,
  id: z.string().optional(),
  /** Front matter keys to set (null removes a key). */
  set: z.record(z.string(), z.unknown()).default({}),
  body: z.string().optional(),
  /** Where the file is (relative to dir): a move for an existing file, the name of a new one. */
  path: z.string().optional(),
  /** For a new file without a path: its name is made from this title. */
  title: z.string().optional(),
  /** Create only when no file exists at `path` (else update that file). */
  upsertPath: z.boolean().default(false),
})
const deleteInput = z.object({ ...common, id: z.string() })

type Ctx = ActionContext<FolderConnection>
const dirOf = (ctx: Ctx, dir: string) => resolve(ctx.connection.root ?? '.', dir)

async function readEntry(root: string, rel: string, idField: string): Promise<FolderEntry | null> {
  const got = await readText(inside(root, rel))
  if (!got) return null
  const parsed = parseFile(got.text, rel)
  const id = parsed.data[idField]
  const { [idField]: _id, ...data } = parsed.data
  return {
    id: typeof id === 'string' || typeof id === 'number' ? String(id) : '',
    path: rel,
    mtimeMs: got.mtimeMs,
    hash: contentHash(got.text),
    data,
    body: parsed.body,
  }
}

async function listAll(ctx: Ctx, i: z.infer<typeof listInput>): Promise<FolderEntry[]> {
  const root = dirOf(ctx, i.dir)
  const entries: FolderEntry[] = []
  for (const rel of await listFiles(root, i.extensions)) {
    const e = await readEntry(root, rel, i.idField)
    if (e) entries.push(e) // else removed meanwhile
  }
  // a copied file carries its original's id: the newer copy gets a fresh one
  const owner = new Map<string, FolderEntry>()
  for (const e of [...entries].sort((x, y) => x.mtimeMs - y.mtimeMs || (x.path < y.path ? -1 : 1))) {
    if (e.id && !owner.has(e.id)) owner.set(e.id, e)
    else if (e.id) e.id = ''
  }
  const out: FolderEntry[] = []
  for (let e of entries) {
    if (!e.id && i.assignIds) {
      const prev = parseFile((await readText(inside(root, e.path)))!.text, e.path)
      await writeText(inside(root, e.path), renderFile(prev, { [i.idField]: newId('doc', ctx.clock.now()) }, undefined))
      const again = await readEntry(root, e.path, i.idField)
      if (!again) continue
      e = again
    }
    if (e.id) out.push(e)
  }
  return out
}

async function findById(ctx: Ctx, i: z.infer<typeof listInput>, id: string): Promise<FolderEntry | null> {
  return (await listAll(ctx, { ...i, assignIds: false })).find((e) => e.id === id) ?? null
}

async function freePath(root: string, want: string): Promise<string> {
  const dot = want.lastIndexOf('.')
  const [stem, ext] = dot > 0 ? [want.slice(0, dot), want.slice(dot)] : [want, '']
  for (let n = 1; ; n++) {
    const p = n === 1 ? want : `${stem}-${n}${ext}`
    if (!(await readText(inside(root, p)))) return p
  }
}

const write: ActionDefinition<FolderConnection, z.infer<typeof writeInput>, { id: string; path: string; created: boolean }> = {
  input: writeInput as never,
  run: async (i, ctx) => {
    const root = dirOf(ctx, i.dir)
    const mine = `folder:created:${ctx.call.idempotencyKey}`
    let entry = i.id ? await findById(ctx, { ...i, assignIds: false }, i.id) : null
    if (i.id && !entry) throw new NonRetryableError(`folder ${i.dir}: no file has ${i.idField}: ${i.id}`, { status: 404 })
    if (!entry) {
      const earlier = await ctx.identity.get(mine)
      if (earlier) entry = await findById(ctx, { ...i, assignIds: false }, earlier)
    }
    if (!entry && i.upsertPath && i.path) entry = await readEntry(root, i.path, i.idField)
    const created = !entry
    const id = entry?.id || newId('doc', ctx.clock.now())
    let path = entry?.path ?? (await freePath(root, i.path ?? `${slugify(i.title ?? '')}${i.extensions[0] ?? '.md'}`))
    if (entry && i.path && i.path !== entry.path) {
      // a move: the new path must be free
      const target = await freePath(root, i.path)
      await writeText(inside(root, target), (await readText(inside(root, entry.path)))!.text)
      await removeFile(inside(root, entry.path))
      path = target
    }
    const prev = entry ? parseFile((await readText(inside(root, path)))!.text, path) : null
    const text = renderFile(prev, { ...i.set, [i.idField]: id }, i.body)
    await writeText(inside(root, path), text)
    if (created) await ctx.identity.set(mine, id)
    return { id, path, created }
  },
}

export const folderConnector = defineConnector<FolderConnection>({
  id: 'folder',
  connection: z.object({ root: z.string().optional() }).strict() as never,
  actions: {
    list: { input: listInput as never, run: async (i: z.infer<typeof listInput>, ctx: Ctx) => ({ files: await listAll(ctx, i) }) },
    get: {
      input: getInput as never,
      run: async (i: z.infer<typeof getInput>, ctx: Ctx) => {
        const want = new Set(i.ids)
        return { files: (await listAll(ctx, { ...i, assignIds: false })).filter((e) => want.has(e.id)) }
      },
    },
    write,
    delete: {
      input: deleteInput as never,
      run: async (i: z.infer<typeof deleteInput>, ctx: Ctx) => {
        const e = await findById(ctx, { ...i, assignIds: false }, i.id)
        return { id: i.id, deleted: e ? await removeFile(inside(dirOf(ctx, i.dir), e.path)) : false }
      },
    },
  },
})
