import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { runsCsvString } from '../src/csv/export.js'
import { importCsv } from '../src/csv/import.js'
import { manual } from '../src/pipeline/define.js'
import { createServer } from '../src/server/app.js'
import type { Store } from '../src/store/contract.js'
import { type RecordingIo, recordingIo } from './helpers/cli.js'
import { compile, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
let store: Store
let closers: Array<() => Promise<void>> = []

beforeEach(() => {
  tmp = tempDir('pw-csv-')
  store = sqliteStore(tmp.dir)
  closers = []
})
afterEach(async () => {
  for (const c of closers.reverse()) await c()
  tmp.cleanup()
})

const leads = compile({
  id: 'leads',
  trigger: manual(),
  steps: [{ id: 'lead', map: ({ event }) => ({ email: event.email.toLowerCase(), score: Number(event.score) }) }],
})

async function hub() {
  const h = await startHub({ pipelines: [leads], store, actions: new ScriptedActions() })
  closers.push(() => h.close())
  return h
}

const CSV = 'email,score\nA@x.co,90\nb@x.co,40,extra\n"c@x.co",70\n\nd@x.co,10\n'

describe('CSV import', () => {
  it('starts one run per row, skips bad rows with their line numbers, and reports progress', async () => {
    const h = await hub()
    const progress: number[] = []
    const s = await importCsv(h, 'leads', Readable.from([CSV.slice(0, 20), CSV.slice(20)]), {
      batchSize: 2,
      onProgress: (p) => progress.push(p.rows),
    })
    expect(s).toMatchObject({ rows: 4, accepted: 3, duplicates: 0, bad: 1 })
    expect(s.badRows).toEqual([{ line: 3, message: expect.stringContaining('wrong number of columns') }])
    expect(progress.at(-1)).toBe(4)
    const outputs = []
    for (const id of s.runIds) {
      expect((await h.waitForRun(id))?.status).toBe('succeeded')
      outputs.push((await store.getSteps(id))[0]!.output)
    }
    expect(outputs).toEqual([
      { email: 'a@x.co', score: 90 },
      { email: 'c@x.co', score: 70 },
      { email: 'd@x.co', score: 10 },
    ])
  })

  it('with an id column, importing the same file twice starts no new runs', async () => {
    const h = await hub()
    const csv = 'email,score\na@x.co,1\nb@x.co,2\n'
    expect(await importCsv(h, 'leads', csv, { idColumn: 'email' })).toMatchObject({ accepted: 2, duplicates: 0 })
    expect(await importCsv(h, 'leads', csv, { idColumn: 'email' })).toMatchObject({ accepted: 0, duplicates: 2 })
  })

  it('exports run results as CSV with status, event and last output', async () => {
    const h = await hub()
    const s = await importCsv(h, 'leads', 'email,score\n"Smith, Jo <jo@x.co>",5\n')
    await h.waitForRun(s.runIds[0]!)
    const csv = await runsCsvString(h, { pipeline: 'leads' })
    const [header, row] = csv.trim().split('\n')
    expect(header).toBe('run_id,pipeline,version,status,current_step,attempt,created_at,finished_at,error_code,error,event,output')
    expect(row).toContain(`${s.runIds[0]},leads,`)
    expect(row).toContain(',succeeded,')
    expect(row).toContain('"{""email"":""smith, jo <jo@x.co>"",""score"":5}"')
  })

  it('imports through POST /api/v1/pipelines/:id/import and exports through GET /api/v1/runs/export.csv', async () => {
    const h = await hub()
    const server = await createServer(h, { host: '127.0.0.1', port: 0 })
    closers.push(() => server.close())
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/leads/import',
      headers: { 'content-type': 'text/csv' },
      payload: CSV,
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ rows: 4, accepted: 3, bad: 1, badRows: [{ line: 3 }] })
    for (const id of res.json().runIds) await h.waitForRun(id)
    const wrongType = await server.app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/leads/import',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    })
    expect(wrongType.statusCode).toBe(415)
    const missing = await server.app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/nope/import',
      headers: { 'content-type': 'text/csv' },
      payload: 'a\n1\n',
    })
    expect(missing.statusCode).toBe(404)
    const exp = await server.app.inject({ method: 'GET', url: '/api/v1/runs/export.csv?status=succeeded' })
    expect(exp.headers['content-type']).toContain('text/csv')
    expect(exp.body.trim().split('\n')).toHaveLength(4)
  })
})

describe('pipewright import / runs export (CLI)', () => {
  function io(): RecordingIo {
    return recordingIo(tmp.dir)
  }

  it('imports a file, prints progress and bad lines on stderr and a summary; exit 1 when rows were bad', async () => {
    mkdirSync(join(tmp.dir, 'pipelines'))
    writeFileSync(
      join(tmp.dir, 'pipelines', 'leads.yaml'),
      'id: leads\ntrigger: { manual: {} }\nsteps:\n  - id: lead\n    map: { email: "{{ $lowercase(event.email) }}" }\n',
    )
    writeFileSync(join(tmp.dir, 'leads.csv'), CSV)
    const t = io()
    expect(await main(['import', 'leads', 'leads.csv', '--db', 'sqlite:pw.db'], t)).toBe(1)
    expect(t.stderr.join('\n')).toMatch(/importing leads: 4 rows read \(all\), 3 runs started, 0 duplicates, 1 bad; 3\/3 runs done/)
    expect(t.stderr.join('\n')).toMatch(/line 3: wrong number of columns/)
    expect(t.stdout).toEqual(['4 rows: 3 runs started, 0 duplicates skipped, 1 bad rows', 'runs: 3 succeeded'])
    const e = io()
    expect(await main(['runs', 'export', '--format', 'csv', '--db', 'sqlite:pw.db', '--out', 'runs.csv'], e)).toBe(0)
    const lines = readFileSync(join(tmp.dir, 'runs.csv'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(4)
    expect(lines.slice(1).every((l) => l.includes(',succeeded,'))).toBe(true)
  })
})
