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
import { compileSync } from '../../src/sync/compile.js'
import { parseSyncYaml } from '../../src/sync/load.js'
import { folderDir, folderSide } from '../../src/sync/sides/folder.js'
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

describe('a knowledge sync in YAML', () => {
  const yaml = () => `id: knowledge
sides:
  a: folder:./knowledge
  b: { side: "notion:kb/1f6e7d2a-0000-4000-8000-00000000d5d1", matchKeys: [Name] }
match: { a: title, b: Name, normalize: trim }
fields:
  - { a: title, b: Name, owner: latest }
  - { a: body, b: body, owner: latest, conflict: markers }
schedule: { every: 15m }
`
  it('compiles: the folder path, the Notion data source, conflict markers, every 15 minutes', () => {
    const s = compileSync(parseSyncYaml(yaml(), 'syncs/knowledge.yaml'), { format: 'yaml', file: 'syncs/knowledge.yaml' })
    expect(s.sides.a).toMatchObject({ kind: 'folder' })
    expect(folderDir(s.sides.a)).toBe('./knowledge')
    expect(s.sides.b).toMatchObject({ kind: 'notion', connection: 'kb', object: '1f6e7d2a-0000-4000-8000-00000000d5d1' })
    expect(s.fields[1]).toMatchObject({ conflict: 'markers' })
    expect(s.everyMs).toBe(15 * 60_000)
    // without a schedule: the folder and Notion sides' 15 minutes, not the 5-minute default
    const bare = compileSync(parseSyncYaml(yaml().replace('schedule: { every: 15m }\n', '')), { format: 'yaml' })
    expect(bare.everyMs).toBe(15 * 60_000)
  })

  it('refuses conflict markers on a one-way field, and an unknown conflict mode, naming the field', () => {
    const bad = yaml().replace(
      '{ a: body, b: body, owner: latest, conflict: markers }',
      '{ a: body, b: body, direction: a-to-b, conflict: markers }',
    )
    expect(() => compileSync(parseSyncYaml(bad), { format: 'yaml', file: 'k.yaml' })).toThrow(/fields\[1\]\.conflict.*direction: both/s)
    const odd = yaml().replace('conflict: markers', 'conflict: merge')
    expect(() => compileSync(parseSyncYaml(odd), { format: 'yaml', file: 'k.yaml' })).toThrow(/fields\[1\]\.conflict/)
  })
})
