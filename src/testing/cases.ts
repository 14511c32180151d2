/**
 * Test cases next to a pipeline, for `pipewright test`: files in `pipelines/<id>.cases/`, each
 * `*.json` or `*.yaml` holding one case, a list of cases, or `{ cases: [...] }`. (A directory,
 * because the pipeline loader reads every `*.yaml` file in `pipelines/` as a pipeline.)
 *
 * A case: `{ name, event, expect: { status, steps: { <stepPath>: partial }, effects: [...] } }`.
 * Expected values match partially: objects need only the keys they list; arrays must match
 * element by element. An effect `{ service, method?, path?, body?, count? }` needs a request
 * the emulator received (`count` fixes how many match; `count: 0` asserts none).
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { LoggedRequest } from '../sandbox/emulator.js'
import type { PipelineResult } from './hub.js'

export interface EffectExpectation {
  service: string
  method?: string
  path?: string
  body?: unknown
  count?: number
}

export interface TestCase {
  name: string
  pipeline: string
  file: string
  event: unknown
  expect: { status?: string; steps?: Record<string, unknown>; effects?: EffectExpectation[] }
}

/** Every case in `dir` for the given pipelines (all when empty). */
export function loadCases(dir: string, pipelineIds: string[]): TestCase[] {
  const out: TestCase[] = []
  if (!existsSync(dir)) return out
  for (const entry of readdirSync(dir).sort()) {
    const id = /^(.+)\.cases$/.exec(entry)?.[1]
    if (!id || (pipelineIds.length && !pipelineIds.includes(id))) continue
    for (const f of readdirSync(join(dir, entry))
      .filter((x) => /\.(json|ya?ml)$/.test(x))
      .sort()) {
      const file = join(dir, entry, f)
      const text = readFileSync(file, 'utf8')
      const doc = (f.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as unknown
      const list = Array.isArray(doc)
        ? doc
        : Array.isArray((doc as { cases?: unknown[] } | null)?.cases)
          ? (doc as { cases: unknown[] }).cases
          : [doc]
      const base = f.replace(/\.(json|ya?ml)$/, '')
      list.forEach((c, i) => {
        out.push(toCase(c, id, file, list.length > 1 ? `${base} #${i + 1}` : base))
      })
    }
  }
  return out
}

function toCase(raw: unknown, pipeline: string, file: string, fallback: string): TestCase {
  const c = (raw ?? {}) as Record<string, unknown>
  return {
    name: typeof c.name === 'string' ? c.name : fallback,
    pipeline,
    file,
    event: c.event ?? {},
    expect: (c.expect ?? {}) as TestCase['expect'],
  }
}

/** Differences between what a case expects and what happened; empty when it passed. */
export function checkCase(c: TestCase, result: PipelineResult, effects: (service: string) => LoggedRequest[]): string[] {
  const diffs: string[] = []
  const want = c.expect
  const status = want.status ?? 'succeeded'
  if (result.run.status !== status)
    diffs.push(
      `status: expected ${status}, got ${result.run.status}${result.run.error ? ` (${result.run.currentStep}: ${result.run.error.message})` : ''}`,
    )
  for (const [step, expected] of Object.entries(want.steps ?? {})) {
    if (!(step in result.steps)) diffs.push(`steps.${step}: expected output ${show(expected)}, but the step did not run`)
    else diffs.push(...diffValue(expected, result.steps[step], `steps.${step}`))
  }
  for (const e of want.effects ?? []) {
    const seen = effects(e.service).filter((r) => (!e.method || r.method === e.method.toUpperCase()) && (!e.path || r.path === e.path))
    const matching = seen.filter((r) => e.body === undefined || diffValue(e.body, r.body, '').length === 0)
    const label = `effect ${e.service}${e.method ? ` ${e.method.toUpperCase()}` : ''}${e.path ? ` ${e.path}` : ''}`
    if (e.count !== undefined ? matching.length !== e.count : matching.length === 0) {
      diffs.push(`${label}: expected ${e.count ?? 'at least 1'} matching request(s), got ${matching.length}`)
      if (e.body !== undefined && seen.length)
        diffs.push(...diffValue(e.body, seen[seen.length - 1]!.body, `${label} (closest: last request) body`).map((d) => `  ${d}`))
    }
  }
  return diffs
}

/** Partial comparison: `expected` objects list only the keys that matter. */
export function diffValue(expected: unknown, actual: unknown, path: string): string[] {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path || '(value)'}:\n    - expected ${show(expected)}\n    + actual   ${show(actual)}`]
    return Object.entries(expected).flatMap(([k, v]) => diffValue(v, (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k))
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return [`${path}:\n    - expected ${show(expected)}\n    + actual   ${show(actual)}`]
    return expected.flatMap((v, i) => diffValue(v, actual[i], `${path}[${i}]`))
  }
  return Object.is(expected, actual) ? [] : [`${path || '(value)'}:\n    - expected ${show(expected)}\n    + actual   ${show(actual)}`]
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > 200 ? `${s.slice(0, 197)}...` : s
}
