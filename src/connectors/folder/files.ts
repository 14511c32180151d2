/**
 * Markdown files with YAML front matter, as the `folder` connector reads and writes them.
 *
 * A file is `---\n<yaml>\n---\n\n<body>`; the front matter is parsed with `yaml` (a document,
 * so a rewrite keeps the user's comments and key order), the body is everything after it (one
 * blank line after the closing `---` is not part of the body). Writes are atomic (a temporary
 * file renamed over the old one), and every path is checked to stay inside the folder.
 * @module
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path'
import { isMap, parseDocument } from 'yaml'
import { NonRetryableError } from '../../errors.js'

const FRONT = /^---\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)(?:\r?\n)?/

export interface ParsedFile {
  /** Front matter values (empty when the file has none). */
  data: Record<string, unknown>
  /** The YAML text of the front matter, or null. */
  yaml: string | null
  body: string
}

export function parseFile(text: string, where: string): ParsedFile {
  const m = FRONT.exec(text)
  if (!m) return { data: {}, yaml: null, body: text }
  const doc = parseDocument(m[1]!, { uniqueKeys: false })
  if (doc.errors.length) throw new NonRetryableError(`${where}: front matter is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
  const data = doc.toJS() ?? {}
  if (typeof data !== 'object' || Array.isArray(data)) throw new NonRetryableError(`${where}: front matter must be a YAML mapping`)
  return { data: data as Record<string, unknown>, yaml: m[1]!, body: text.slice(m[0].length) }
}

/** The file's text with `set` applied to its front matter (null deletes a key) and `body` when given. */
export function renderFile(prev: ParsedFile | null, set: Record<string, unknown>, body: string | undefined): string {
  const doc = parseDocument(prev?.yaml ?? '')
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never
  for (const [k, v] of Object.entries(set)) {
    if (v === null || v === undefined) doc.delete(k)
    else doc.set(k, v)
  }
  const yaml = isMap(doc.contents) && doc.contents.items.length ? doc.toString().replace(/\n+$/, '') : ''
  const text = body ?? prev?.body ?? ''
  return yaml ? `---\n${yaml}\n---\n\n${text}` : text
}

export const contentHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32)

/** A path inside `root`, or a refusal naming it. */
export function inside(root: string, rel: string): string {
  const p = normalize(join(root, rel))
  const r = relative(root, p)
  if (r === '' || r.startsWith(`..${sep}`) || r === '..' || isAbsolute(r) || isAbsolute(rel))
    throw new NonRetryableError(`path "${rel}" is outside the folder ${root}`)
  return p
}

/** Every file with one of `extensions` under `root` (recursively; dot-folders skipped), relative, `/`-separated. */
export async function listFiles(root: string, extensions: readonly string[]): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string) => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
      throw e
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile() && extensions.some((x) => e.name.endsWith(x))) out.push(relative(root, p).split(sep).join('/'))
    }
  }
  await walk(root)
  return out.sort()
}

export async function readText(path: string): Promise<{ text: string; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)])
    return { text, mtimeMs: Math.floor(st.mtimeMs) }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
}

/** Write atomically: a temporary file beside it, renamed over it. */
export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.pw-${process.pid}-${Date.now()}.tmp`
  await writeFile(tmp, text, 'utf8')
  await rename(tmp, path)
}

export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw e
  }
}

/** A file name from a title: lower-case words joined by `-` (letters and digits of any script kept). */
export function slugify(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return s || 'untitled'
}
