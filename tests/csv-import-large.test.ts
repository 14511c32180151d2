/**
 * `pipewright import` waits for every run, however many (no 10,000-id cap), and a stray quote
 * costs one row reported at its own line.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { createStore } from '../src/store/index.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir('pw-csv-large-')
  mkdirSync(join(tmp.dir, 'pipelines'))
  writeFileSync(
    join(tmp.dir, 'pipelines', 'leads.yaml'),
    'id: leads\ntrigger: { manual: {} }\nsteps:\n  - id: lead\n    map: { email: "{{ $lowercase(event.email) }}" }\n',
  )
})
afterEach(() => tmp.cleanup())

describe('pipewright import (large files, stray quotes)', () => {
  it('imports 50,000 rows and waits until every run has finished', { timeout: 600_000 }, async () => {
    const N = 50_000
    const lines = ['email,n']
    for (let i = 0; i < N; i++) lines.push(`Lead${i}@X.co,${i}`)
    writeFileSync(join(tmp.dir, 'big.csv'), `${lines.join('\n')}\n`)
    const io = recordingIo(tmp.dir)
    const started = Date.now()
    const code = await main(['import', 'leads', 'big.csv', '--db', 'sqlite:pw.db', '--batch-size', '500'], io)
    const seconds = (Date.now() - started) / 1000
    expect(io.stderr.filter((l) => /^ {2}line/.test(l))).toEqual([])
    expect(io.stdout).toEqual(['50000 rows: 50000 runs started, 0 duplicates skipped, 0 bad rows', 'runs: 50000 succeeded'])
    expect(code).toBe(0)
    // The last progress line says all were done; the store agrees.
    expect(io.stderr.at(-1)).toMatch(/50,000\/50,000 runs done/)
    const store = await createStore(`sqlite:${join(tmp.dir, 'pw.db')}`)
    try {
      expect(await store.countRuns({ pipelineId: 'leads' })).toMatchObject({ succeeded: N, queued: 0, running: 0, dead: 0 })
    } finally {
      await store.close()
    }
    console.log(`50,000-row import: ${seconds.toFixed(1)} s`)
  })

  it('a stray quote costs its own row, reported at its line; the rows after it are imported', async () => {
    writeFileSync(join(tmp.dir, 'stray.csv'), 'email,name\na@x.co,"Jo\nb@x.co,Sam\nc@x.co,"Al"\nd@x.co,Bo"b\ne@x.co,"Ed\n')
    const io = recordingIo(tmp.dir)
    expect(await main(['import', 'leads', 'stray.csv', '--db', 'sqlite:pw.db'], io)).toBe(1)
    const bad = io.stderr.filter((l) => /^ {2}line/.test(l))
    expect(bad).toEqual([
      expect.stringMatching(/^ {2}line 2: the quote opened on this line closes on line 4 .*stray quote/),
      expect.stringMatching(/^ {2}line 6: .*never closed/),
    ])
    expect(io.stdout).toEqual(['5 rows: 3 runs started, 0 duplicates skipped, 2 bad rows', 'runs: 3 succeeded'])
  })

  it('on a terminal draws a progress bar in place; a re-import waits for the earlier runs its duplicates point at', async () => {
    writeFileSync(join(tmp.dir, 'few.csv'), 'email,n\na@x.co,1\nb@x.co,2\n')
    const first = recordingIo(tmp.dir)
    expect(await main(['import', 'leads', 'few.csv', '--db', 'sqlite:pw.db', '--id-column', 'email'], first)).toBe(0)
    const drawn: string[] = []
    const again = { ...recordingIo(tmp.dir), tty: { columns: 200, write: (t: string) => drawn.push(t) } }
    expect(await main(['import', 'leads', 'few.csv', '--db', 'sqlite:pw.db', '--id-column', 'email'], again)).toBe(0)
    expect(again.stdout).toEqual(['2 rows: 0 runs started, 2 duplicates skipped, 0 bad rows', 'runs: 2 succeeded'])
    expect(drawn.at(-1)?.startsWith('\r\u001b[K')).toBe(true)
    expect(drawn.at(-1)?.slice(4)).toMatch(
      /^\S+ \[#{20}\] 100% 2 rows read \(all\), 2 runs started, 2 duplicates, 0 bad; 2\/2 runs done, \d+ runs\/s, ETA 0s\n$/,
    )
    expect(again.stderr.filter((l) => l.startsWith('importing'))).toEqual([])
  })
})
