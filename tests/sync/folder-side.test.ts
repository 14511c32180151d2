/**
 * The folder side's reads on a real folder: ids stamped once, an edit seen even when its mtime
 * was kept, a deletion reported, a copied file given its own id, a move keeping the id.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { folderConnector } from '../../src/connectors/folder/connector.js'
import { systemClock } from '../../src/engine/clock.js'
import type { SourceCursor } from '../../src/sources/contract.js'
import { folderSide } from '../../src/sync/sides/folder.js'
import { makeActionContext } from '../conformance/connector-suite.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-folder-side-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function side() {
  const identity = new Map<string, string>()
  const spec = { kind: 'folder', connection: 'default', object: dir, options: folderSide.options.parse({}) }
  return folderSide.create(spec as never, {
    clock: systemClock,
    invoke: async (ref, input) => {
      const a = folderConnector.actions[ref.replace(/^folder\./, '')]!
      return a.run(a.input!.parse(input), makeActionContext({}, ref, identity))
    },
  })
}

describe('folder side', () => {
  it('stamps ids once, sees edits by content hash, reports deletions and gives a copy its own id', async () => {
    const s = side()
    writeFileSync(join(dir, 'a.md'), '---\ntitle: A\n---\n\nalpha\n')
    mkdirSync(join(dir, 'sub'))
    writeFileSync(join(dir, 'sub', 'b.md'), 'beta\n')
    const first = await s.source.readChanges(null)
    expect(first.records.map((r) => r.fields.path).sort()).toEqual(['a.md', 'sub/b.md'])
    const a = first.records.find((r) => r.fields.path === 'a.md')!
    expect(a.fields).toMatchObject({ title: 'A', body: 'alpha\n' })
    expect(first.records.find((r) => r.fields.path === 'sub/b.md')!.fields.title).toBe('b')
    expect(readFileSync(join(dir, 'a.md'), 'utf8')).toBe(`---\ntitle: A\npw_id: ${a.id}\n---\n\nalpha\n`)
    expect((await s.source.readChanges(first.cursor)).records).toEqual([])

    // an edit that kept the old mtime (a tool that preserves times) is still seen
    const path = join(dir, 'a.md')
    const { mtime } = statSync(path)
    writeFileSync(path, readFileSync(path, 'utf8').replace('alpha', 'alpha, edited'))
    utimesSync(path, mtime, mtime)
    const edited = await s.source.readChanges(first.cursor)
    expect(edited.records).toHaveLength(1)
    expect(edited.records[0]).toMatchObject({ id: a.id, fields: { body: 'alpha, edited\n' } })

    // a move keeps the id; a copy gets its own; a removal is a deletion
    renameSync(path, join(dir, 'sub', 'moved.md'))
    cpSync(join(dir, 'sub', 'moved.md'), join(dir, 'copy.md'))
    utimesSync(join(dir, 'copy.md'), new Date(), new Date(Date.now() + 1000))
    rmSync(join(dir, 'sub', 'b.md'))
    const next = await s.source.readChanges(edited.cursor as SourceCursor)
    const byPath = new Map(next.records.map((r) => [r.fields.path ?? `deleted:${r.id}`, r]))
    expect(byPath.get('sub/moved.md')?.id).toBe(a.id)
    expect(byPath.get('copy.md')?.id).not.toBe(a.id)
    expect(next.records.filter((r) => r.deleted)).toHaveLength(1)
    expect((await s.source.get([a.id, 'doc_missing'])).map((r) => r.fields.path)).toEqual(['sub/moved.md'])
  })
})
