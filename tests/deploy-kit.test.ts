/**
 * The deployment kit, linted everywhere and built and started where a Docker daemon answers: the
 * Dockerfile passes dockerfile-utils' validator and our rules — multi-stage, pinned base image,
 * `npm ci` from the lockfile, a non-root final user, a HEALTHCHECK, exec-form entrypoint, the
 * files the runtime needs copied from the build stage — and compose.yaml wires app + worker +
 * Postgres + Redis with health-gated start-up, required secrets and persistent volumes.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validate } from 'dockerfile-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')

/** Instructions with continuation lines joined: [keyword, arguments]. */
function instructions(text: string): Array<[string, string]> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [k, ...rest] = l.split(/\s+/)
      return [k!.toUpperCase(), rest.join(' ')]
    })
}

describe('Dockerfile', () => {
  const ins = instructions(dockerfile)
  const stages = ins.flatMap(([k, a], i) => (k === 'FROM' ? [{ at: i, args: a }] : []))
  const final = ins.slice(stages.at(-1)!.at)

  it('has no validator diagnostics (and the validator does report a broken file)', () => {
    expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([])
    expect(validate('FROM\nEXPOSE port\nFOO bar\n').length).toBeGreaterThan(0)
  })

  it('builds in one stage and runs in another, on a pinned Node image supported by Pipewright', () => {
    expect(stages.length).toBe(2)
    expect(stages.map((s) => s.args)).toEqual([`\${NODE_IMAGE} AS build`, `\${NODE_IMAGE} AS runtime`])
    const image = ins.find(([k, a]) => k === 'ARG' && a.startsWith('NODE_IMAGE='))![1].split('=')[1]!
    expect(image).toMatch(/^node:(20|22|24)\.\d+\.\d+-bookworm-slim$/)
  })

  it('installs from the lockfile and keeps only production dependencies', () => {
    const runs = ins.filter(([k]) => k === 'RUN').map(([, a]) => a)
    expect(runs.some((r) => r.includes('npm ci'))).toBe(true)
    expect(runs.some((r) => r.includes('npm install '))).toBe(false)
    expect(runs.some((r) => r.includes('npm prune --omit=dev'))).toBe(true)
    expect(ins.some(([k, a]) => k === 'COPY' && a === 'package.json package-lock.json ./')).toBe(true)
  })

  it('runs as a non-root user with a healthcheck, exposes 4280 and starts in exec form', () => {
    expect(final.filter(([k]) => k === 'USER').at(-1)?.[1]).toBe('node')
    const health = final.find(([k]) => k === 'HEALTHCHECK')
    expect(health?.[1]).toMatch(/--interval=\d+s .*CMD \["node"/)
    expect(health?.[1]).toContain('/healthz')
    expect(final.some(([k, a]) => k === 'EXPOSE' && a === '4280')).toBe(true)
    expect(final.find(([k]) => k === 'ENTRYPOINT')?.[1]).toBe('["node", "/app/bin/pipewright.js"]')
    expect(final.some(([k]) => k === 'ADD')).toBe(false)
  })

  it('copies into the runtime stage what the package ships and the CLI needs', () => {
    const copied = final.filter(([k, a]) => k === 'COPY' && a.startsWith('--from=build')).map(([, a]) => a.split(/\s+/)[1])
    for (const path of ['/src/node_modules', '/src/dist', '/src/bin', '/src/web/dist', '/src/schemas', '/src/package.json'])
      expect(copied).toContain(path)
  })

  it('keeps secrets and build output out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const p of ['.env', 'node_modules', '.git', '.pipewright', 'dist']) expect(ignored).toContain(p)
  })
})

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true })
  const s = compose.services

  it('runs the API, workers, Postgres and Redis, starting Pipewright only once both are healthy', () => {
    expect(Object.keys(s).sort()).toEqual(['app', 'postgres', 'redis', 'worker'])
    for (const name of ['app', 'worker']) {
      expect(s[name].depends_on, name).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
      expect(s[name].environment.PIPEWRIGHT_DATABASE_URL, name).toMatch(
        /^postgres:\/\/pipewright:\$\{POSTGRES_PASSWORD:\?.*\}@postgres:5432\/pipewright$/,
      )
      expect(s[name].environment.PIPEWRIGHT_REDIS_URL, name).toBe('redis://redis:6379')
      expect(s[name].volumes, name).toContain('./pipelines:/app/pipelines:ro')
    }
    expect(s.app.command).toEqual(['start', '--no-worker'])
    expect(s.worker.command[0]).toBe('worker')
    expect(s.worker.environment.PIPEWRIGHT_METRICS_PORT).toBe('9464')
    expect(s.postgres.healthcheck.test.join(' ')).toContain('pg_isready')
    expect(s.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping'])
  })

  it('requires the API token and the database password, pins images and keeps data in volumes', () => {
    expect(s.app.environment.PIPEWRIGHT_API_TOKEN).toMatch(/^\$\{PIPEWRIGHT_API_TOKEN:\?/)
    expect(s.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/)
    for (const name of ['postgres', 'redis']) expect(s[name].image, name).toMatch(/:\d+\.\d+/)
    expect(s.redis.command).toContain('noeviction')
    expect(Object.keys(compose.volumes).sort()).toEqual(['pgdata', 'redisdata'])
    expect(existsSync(join(ROOT, s.app.build))).toBe(true)
  })
})

/**
 * Where a Docker daemon answers (a developer's machine, a CI runner with Docker), the image is
 * built and started for real: it serves /healthz as the non-root user. The machines this suite
 * usually runs on have the Docker client but no daemon, so this part skips there.
 */
const docker = (args: string[], timeout = 60_000) =>
  spawnSync('docker', args, { cwd: ROOT, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 })
const daemon = docker(['info', '--format', '{{.ServerVersion}}'], 10_000).status === 0

describe.skipIf(!daemon)('the image, built and started (needs a Docker daemon)', () => {
  const tag = `pipewright-kit-test:${process.pid}`
  let container = ''
  afterAll(() => {
    if (container) docker(['rm', '-f', container])
    docker(['image', 'rm', '-f', tag])
  })

  it(
    'builds, starts as user node and answers /healthz on the published port',
    async () => {
      const built = docker(['build', '-t', tag, '.'], 15 * 60_000)
      expect(built.status, built.stderr.slice(-2000)).toBe(0)
      const run = docker(['run', '-d', '-p', '127.0.0.1::4280', '-e', `PIPEWRIGHT_API_TOKEN=${'k'.repeat(40)}`, tag])
      expect(run.status, run.stderr).toBe(0)
      container = run.stdout.trim()
      expect(docker(['exec', container, 'id', '-un']).stdout.trim()).toBe('node')
      const port = docker(['port', container, '4280/tcp']).stdout.trim().split(':').at(-1)
      const deadline = Date.now() + 120_000
      let status = 0
      while (Date.now() < deadline && status !== 200) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        )
        if (status !== 200) await new Promise((r) => setTimeout(r, 500))
      }
      expect(status, docker(['logs', container]).stderr.slice(-2000)).toBe(200)
    },
    20 * 60_000,
  )
})
