/**
 * Typed step outputs: with `pipeline(…).map(…)…build()` a misspelt step id, output field or
 * event field, or a reused step id, is a compile error (checked with the TypeScript compiler on
 * two fixtures), and the built pipeline runs like any other.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { pipeline } from '../src/index.js'
import { manual } from '../src/pipeline/define.js'
import { compile, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const ROOT = join(import.meta.dirname, '..')
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'typed-pipelines')

/**
 * Type-check the fixtures as a user's project would (strict), `pipewright` mapped to the built
 * declarations (`npm test` builds first; src/ otherwise, slower). One program for both files.
 */
let checked: ts.Diagnostic[] | null = null
function diagnostics(file: string): Array<{ line: number; message: string }> {
  if (!checked) {
    const built = existsSync(join(ROOT, 'dist', 'index.d.ts'))
    const entry = (name: string) => [built ? `./dist/${name}.d.ts` : `./src/${name}.ts`]
    const program = ts.createProgram(
      ['ok.ts', 'bad.ts'].map((f) => join(FIXTURES, f)),
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        baseUrl: ROOT,
        paths: { pipewright: entry('index'), 'pipewright/connectors': entry('connectors/index') },
      },
    )
    checked = [...ts.getPreEmitDiagnostics(program)]
  }
  return checked
    .filter((d) => d.file?.fileName.endsWith(file))
    .map((d) => ({
      line: d.file!.getLineAndCharacterOfPosition(d.start!).line + 1,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }))
}

describe('typed pipelines', () => {
  it('a pipeline whose steps use earlier outputs correctly compiles', { timeout: 120_000 }, () => {
    expect(diagnostics('ok.ts')).toEqual([])
  })

  it('a misspelt step, output field or event field, or a reused step id, does not compile — each at its line', { timeout: 120_000 }, () => {
    const lines = readFileSync(join(FIXTURES, 'bad.ts'), 'utf8').split('\n')
    const marked = lines.flatMap((l, i) => (l.includes('// MISTAKE') ? [i + 1] : []))
    const found = diagnostics('bad.ts')
    expect(marked).toHaveLength(4)
    expect([...new Set(found.map((d) => d.line))]).toEqual(marked)
    const text = found.map((d) => d.message).join('\n')
    expect(text).toMatch(/laed/)
    expect(text).toMatch(/emial/)
    expect(text).toMatch(/'mail'/)
    expect(text).toMatch(/"lead".*never|not assignable to parameter of type 'never'/)
  })

  it('the built definition runs: each step gets the earlier outputs', async () => {
    const tmp = tempDir('pw-typed-')
    const def = pipeline<{ email: string; score: string }>({ id: 'typed', trigger: manual() })
      .map('lead', ({ event }) => ({ email: event.email.toLowerCase(), score: Number(event.score) }))
      .filter('hot', ({ lead }) => lead.score >= 50)
      .code('greeting', ({ lead, hot }) => `${hot ? 'hello' : 'bye'} ${lead.email}`)
      .build()
    const store = sqliteStore(tmp.dir)
    const hub = await startHub({ pipelines: [compile(def)], store, actions: new ScriptedActions() })
    try {
      const [hot, cold] = await hub.ingest('typed', [
        { payload: { email: 'A@X.co', score: '70' } },
        { payload: { email: 'b@x.co', score: '10' } },
      ])
      expect((await hub.waitForRun(hot!.runId))?.status).toBe('succeeded')
      expect((await store.getSteps(hot!.runId)).map((s) => s.output)).toEqual([{ email: 'a@x.co', score: 70 }, true, 'hello a@x.co'])
      expect((await hub.waitForRun(cold!.runId))?.status).toBe('filtered')
    } finally {
      await hub.close()
      tmp.cleanup()
    }
  })
})
