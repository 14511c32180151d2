/**
 * The deployment kit, linted (no Docker daemon runs here, so the image is not built in CI): the
 * Dockerfile passes dockerfile-utils' validator and our rules — multi-stage, pinned base image,
 * `npm ci` from the lockfile, a non-root final user, a HEALTHCHECK, exec-form entrypoint, the
 * files the runtime needs copied from the build stage — and compose.yaml wires app + worker +
 * Postgres + Redis with health-gated start-up, required secrets and persistent volumes.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validate } from 'dockerfile-utils'
import { describe, expect, it } from 'vitest'
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
