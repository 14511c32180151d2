/**
 * The first minutes with the CLI: `init` (TypeScript and YAML) scaffolds a project whose pipeline
 * validates and whose cases pass against the sandbox; `.env` is read at start and loses to the
 * real environment; `--version`; flags with a fixed set of values are checked; a mistyped
 * `--dir` is an error; output into a closed pipe ends quietly.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { recordingIo } from './helpers/cli.js'
import { compile, eventually, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir('pw-first-run-')
})
afterEach(() => tmp.cleanup())

const io = (env: Record<string, string> = {}) => recordingIo(tmp.dir, env)

describe('pipewright init', () => {
  it('scaffolds a TypeScript pipeline, its cases, .env with a secret, .env.example and .gitignore lines', async () => {
    writeFileSync(join(tmp.dir, '.gitignore'), 'node_modules')
    const t = io()
    expect(await main(['init'], t)).toBe(0)
    const out = t.stdout.join('\n')
    for (const f of ['pipelines/leads.ts', 'pipelines/leads.cases/first.yaml', '.env', '.env.example']) {
      expect(existsSync(join(tmp.dir, f)), f).toBe(true)
      expect(out).toContain(`created  ${f}`)
    }
    const secret = readFileSync(join(tmp.dir, '.env'), 'utf8').match(/^LEADS_WEBHOOK_SECRET=(\S{20,})$/m)?.[1]
    expect(secret).toBeTruthy()
    expect(statSync(join(tmp.dir, '.env')).mode & 0o077).toBe(0) // readable by its owner only
    expect(out).toContain(`x-webhook-secret: ${secret}`)
    expect(readFileSync(join(tmp.dir, '.gitignore'), 'utf8')).toBe('node_modules\n.env\n.pipewright/\n')
    expect(readFileSync(join(tmp.dir, '.env.example'), 'utf8')).toMatch(/^LEADS_WEBHOOK_SECRET=$/m)
  })

  it('with --yaml writes the YAML form, wired to the JSON Schema for editors', async () => {
    expect(await main(['init', '--yaml'], io())).toBe(0)
    const yaml = readFileSync(join(tmp.dir, 'pipelines', 'leads.yaml'), 'utf8')
    expect(yaml.split('\n')[0]).toBe('# yaml-language-server: $schema=../node_modules/pipewright/schemas/pipeline.schema.json')
    expect(existsSync(join(tmp.dir, 'pipelines', 'leads.ts'))).toBe(false)
    // A TS init afterwards would define a second "leads": refused, nothing written.
    const t = io()
    expect(await main(['init'], t)).toBe(1)
    expect(t.stderr.join('\n')).toContain('pipelines/leads.yaml exists')
  })

  it.each([[[]], [['--yaml']]])(
    'init %j: the pipeline validates, reads its secret from .env, and its cases pass',
    async (flags) => {
      expect(await main(['init', ...flags], io())).toBe(0)
      const v = io()
      expect(await main(['validate'], v), v.stderr.join('\n')).toBe(0)
      expect(v.stdout.join('\n')).toContain('1 pipeline valid: leads@')
      const t = io()
      expect(await main(['test'], t), t.stdout.join('\n')).toBe(0)
      expect(t.stdout.join('\n')).toContain('2 passed, 0 failed')
    },
    60_000,
  )
})

describe('.env', () => {
  it('is read at start; a variable set in the environment wins over the file', async () => {
    mkdirSync(join(tmp.dir, 'pipelines'))
    writeFileSync(
      join(tmp.dir, 'pipelines', 'p.yaml'),
      `id: p\ntrigger: { webhook: { path: p, auth: { header: x-k, secret: "\${HOOK_SECRET}" } } }\nsteps:\n  - id: a\n    map: { x: "{{ 1 }}" }\n`,
    )
    const missing = io()
    expect(await main(['validate'], missing)).toBe(1)
    expect(missing.stderr.join('\n')).toContain('HOOK_SECRET')
    writeFileSync(join(tmp.dir, '.env'), '# comment\nexport HOOK_SECRET="from-file"\nPIPEWRIGHT_DATABASE_URL=sqlite:from-file.db\n')
    expect(await main(['validate'], io())).toBe(0)
    // The file's database URL is used…
    expect(await main(['runs', 'list'], io())).toBe(0)
    expect(existsSync(join(tmp.dir, 'from-file.db'))).toBe(true)
    // …unless the environment says otherwise.
    expect(await main(['runs', 'list'], io({ PIPEWRIGHT_DATABASE_URL: 'sqlite:from-env.db' }))).toBe(0)
    expect(existsSync(join(tmp.dir, 'from-env.db'))).toBe(true)
  })
})

describe('CLI polish', () => {
  it('reports a TypeScript syntax error, and a YAML one, at file:line:col', async () => {
    mkdirSync(join(tmp.dir, 'pipelines'))
    writeFileSync(
      join(tmp.dir, 'pipelines', 'broken.ts'),
      "export default {\n  id: 'x',\n  steps: [ { id: 'a', map: () => ({ a: 1 }) ]\n}\n",
    )
    writeFileSync(join(tmp.dir, 'pipelines', 'bad.yaml'), 'id: y\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    map: { x: [1, 2 }\n')
    const t = io()
    expect(await main(['validate'], t)).toBe(1)
    const err = t.stderr.join('\n')
    expect(err).toMatch(/pipelines\/broken\.ts:3:\d+: cannot load: Unexpected token/)
    expect(err).toMatch(/pipelines\/bad\.yaml:5:\d+: YAML /)
  })

  it('prints its version', async () => {
    const t = io()
    expect(await main(['--version'], t)).toBe(0)
    expect(t.stdout).toEqual([VERSION])
  })

  it.each([
    [
      ['dlq', 'replay', '--reason', 'permanent', '--from', 'middle'],
      "'--from <from>' argument 'middle' is invalid. Allowed choices are trigger, failed-step",
    ],
    [['dlq', 'replay', '--reason', 'permanent', '--version', 'newest'], 'Allowed choices are pinned, latest'],
    [['dlq', 'list', '--reason', 'oops'], 'Allowed choices are retryable-exhausted, permanent'],
    [['runs', 'list', '--status', 'dead,done'], 'done is not a run state'],
    [['runs', 'export', '--format', 'xlsx'], 'Allowed choices are csv'],
  ])('rejects %j with exit 2 and names the allowed values', async (argv, message) => {
    const t = io()
    expect(await main(argv, t)).toBe(2)
    expect(t.stderr.join('\n')).toContain(message)
  })

  it('dlq replay --version is the pipeline version, not the program version', async () => {
    const t = io()
    expect(await main(['dlq', 'replay', '--reason', 'permanent', '--version', 'latest', '--db', 'sqlite:x.db'], t)).toBe(0)
    expect(t.stdout.join('\n')).toContain('0 replayed, 0 skipped')
  })

  it('a --dir that does not exist is an error (exit 2), not "0 pipelines"', async () => {
    for (const argv of [
      ['validate', '--dir', 'pipelnes'],
      ['test', '--dir', 'pipelnes'],
      ['dev', '--dir', 'pipelnes'],
    ]) {
      const t = io()
      expect(await main(argv, t), argv.join(' ')).toBe(2)
      expect(t.stderr.join('\n')).toContain('--dir pipelnes: no such directory')
    }
  })

  it('stops quietly when the reader of its output goes away (| head)', async () => {
    const db = join(tmp.dir, 'many.db')
    const store = sqliteStore(tmp.dir, 'many.db')
    const hub = await startHub({
      pipelines: [
        compile({
          id: 'p',
          trigger: { kind: 'manual', options: {} } as any,
          steps: [{ id: 'a', map: () => ({ padding: 'x'.repeat(200) }) }],
        }),
      ],
      store,
    })
    const accepted = await hub.ingest(
      'p',
      Array.from({ length: 1000 }, (_, i) => ({ payload: { i } })),
    )
    await eventually(async () => (await store.countRuns()).succeeded === accepted.length, 30_000, 50)
    await hub.close()
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'pipewright.js'), 'runs', 'export', '--db', `sqlite:${db}`, '--steps'], {
      cwd: tmp.dir,
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    // Read one chunk, then close the pipe as `head` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    child.stdout.destroy()
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(stderr).not.toContain('EPIPE')
    expect(stderr).toBe('')
    expect(code).toBe(0)
  }, 60_000)
})
