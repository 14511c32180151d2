/**
 * docs/getting-started.md, run line by line: every ```sh block, in order, in one bash session, in
 * a fresh temp directory, against the package exactly as `npm pack` builds it. Three things are
 * adapted, and only these: `npm install pipewright` installs the packed tarball (from the npm
 * cache when it can, with install scripts off, copying the better-sqlite3 binary this checkout
 * built — compiling it again takes minutes and tests nothing of ours); the long-running
 * `npx pipewright dev` goes to the background until it says it is listening; port 4280 becomes a
 * free port. Also checks what the tarball holds.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, tempDir } from './helpers/engine.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DOC = join(ROOT, 'docs', 'getting-started.md')
const SQLITE_BINDING = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version
const built = existsSync(join(ROOT, 'dist', 'cli', 'main.js')) && existsSync(join(ROOT, 'web', 'dist', 'index.html'))

/** The ```sh blocks of a markdown file, each as its lines (blank lines dropped). */
export function shellBlocks(markdown: string): string[][] {
  const blocks: string[][] = []
  const re = /^```sh\n([\s\S]*?)^```$/gm
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) blocks.push(m[1]!.split('\n').filter((l) => l.trim() !== ''))
  return blocks
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** The doc's lines as one bash script, with the three adaptations; `::ok N` marks each line done. */
function script(lines: string[], port: number): string {
  const out = [
    'set -euo pipefail',
    'DEV_PID=',
    'trap \'[ -n "$DEV_PID" ] && kill -- -"$DEV_PID" 2>/dev/null; wait 2>/dev/null || true\' EXIT',
  ]
  lines.forEach((line, i) => {
    let cmd = line.replaceAll('127.0.0.1:4280', `127.0.0.1:${port}`)
    if (/^npm install pipewright$/.test(cmd))
      cmd = [
        'npm install "$PW_TARBALL" --prefer-offline --ignore-scripts --no-audit --no-fund 2>&1 | tee "$PW_NPM_LOG"',
        'mkdir -p node_modules/better-sqlite3/build/Release && cp "$PW_SQLITE_BINDING" node_modules/better-sqlite3/build/Release/',
      ].join('\n')
    else if (/^npx pipewright dev\b/.test(cmd))
      cmd = [
        // its own process group (npx runs pipewright as a child of its own): the trap ends both
        `setsid ${cmd} > "$PW_DEV_LOG" 2>&1 &`,
        'DEV_PID=$!',
        'for _ in $(seq 1 240); do grep -q "listening on" "$PW_DEV_LOG" && break; kill -0 "$DEV_PID" || { cat "$PW_DEV_LOG"; exit 1; }; sleep 0.5; done',
        'grep -q "listening on" "$PW_DEV_LOG" || { cat "$PW_DEV_LOG"; exit 1; }',
      ].join('\n')
    out.push(`echo "::run ${i + 1}: ${line.replace(/["$`\\]/g, '\\$&')}"`, cmd, `echo "::ok ${i + 1}"`)
  })
  return out.join('\n')
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.on('close', (code) => resolve({ code, out }))
  })
}

/** The outer `npm test` sets npm_* and Pipewright variables that must not leak into the walk-through. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|PIPEWRIGHT_|VITEST|NODE_OPTIONS$|INIT_CWD$)/i.test(k)) env[k] = v
  return { ...env, ...extra }
}

let work: ReturnType<typeof tempDir>
let tarball = ''

beforeAll(() => {
  if (!built) return
  work = tempDir('pw-getting-started-')
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work.dir], {
    cwd: ROOT,
    env: cleanEnv({}),
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1)!
  tarball = join(work.dir, name)
}, 120_000)
afterAll(() => work?.cleanup())

describe.skipIf(!built)('the npm package', () => {
  it('holds the build, the dashboard, the demo, sources for the source maps and the licence — and no tests', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .map((f) => f.replace(/^package\//, ''))
    for (const f of [
      'package.json',
      'LICENSE',
      'README.md',
      'bin/pipewright.js',
      'dist/cli/main.js',
      'dist/cli/main.js.map',
      'dist/index.d.ts.map',
      'src/cli/main.ts',
      'web/dist/index.html',
      'examples/clay-hubspot-slack/pipeline.ts',
      'grafana/pipewright-dashboard.json',
    ])
      expect(files, f).toContain(f)
    expect(files.filter((f) => f.endsWith('.test.ts') || f.startsWith('tests/') || f.startsWith('web/src/'))).toEqual([])
    // Every source a map names is in the package.
    const map = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/dist/cli/main.js.map'], { encoding: 'utf8' }))
    for (const s of map.sources as string[]) expect(files, s).toContain(join('dist/cli', s))
  })
})

describe.skipIf(!built)('docs/getting-started.md', () => {
  it('works as written, from an empty folder to a succeeded run and the demo', async () => {
    const lines = shellBlocks(readFileSync(DOC, 'utf8')).flat()
    expect(lines).toContain('npm install pipewright')
    expect(lines.some((l) => l.startsWith('npx pipewright dev'))).toBe(true)
    const port = await freePort()
    const env = cleanEnv({
      PW_TARBALL: tarball,
      PW_SQLITE_BINDING: SQLITE_BINDING,
      PW_NPM_LOG: join(work.dir, 'npm-install.log'),
      PW_DEV_LOG: join(work.dir, 'dev.log'),
      PIPEWRIGHT_PORT: String(port),
    })
    const { code, out } = await run('bash', ['-c', script(lines, port)], work.dir, env)
    const failedAt = out.match(/::run (\d+): (.*)\n(?![\s\S]*::ok \1\n)/)
    expect(code, `stopped at line ${failedAt?.[1]} (${failedAt?.[2]}):\n${out.slice(-4000)}`).toBe(0)
    for (let i = 1; i <= lines.length; i++) expect(out).toContain(`::ok ${i}\n`)
    // The backgrounded `dev` ended with the script (npx's child too): nothing answers on its port.
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          () => false,
          () => true,
        ),
      30_000,
    )

    expect(out).toContain(`\n${VERSION}\n`)
    expect(out).not.toContain('EBADENGINE')
    expect(out).toContain('HTTP/1.1 202 Accepted')
    expect(out).toMatch(/2 passed, 0 failed/)
    expect(out).toMatch(/HubSpot companies \(4\):/)
    const project = join(work.dir, 'my-hub')
    expect(readFileSync(join(project, '.gitignore'), 'utf8')).toContain('.env')
    const runs = await run('npx', ['pipewright', 'runs', 'list', '--json'], project, cleanEnv({}))
    const statuses = (JSON.parse(runs.out) as Array<{ pipeline: string; status: string }>).map((r) => `${r.pipeline}:${r.status}`)
    // The curl's run (`pipewright run` uses a throw-away store of its own).
    expect(statuses).toEqual(['leads:succeeded'])
  }, 600_000)
})
