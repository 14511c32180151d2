/**
 * Ingress fuzz (tests/fuzz/ingress-fuzz.ts): 10,000 mutated signed requests over real HTTP —
 * 0 forgeries accepted, 0 answers 5xx. `npm run fuzz` runs 1,000,000 (FUZZ_RUNS, FUZZ_SEED).
 */
import { describe, expect, it } from 'vitest'
import { fuzzIngress } from './fuzz/ingress-fuzz.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)
const SEED = Number(process.env.FUZZ_SEED ?? 20261207)

describe('ingress fuzz', () => {
  it(`${RUNS} mutated signed requests: no forgery accepted, no 5xx (seed ${SEED})`, { timeout: Math.max(180_000, RUNS * 20) }, async () => {
    const report = await fuzzIngress(RUNS, SEED, 8, RUNS > 10_000 ? (done) => console.log(`fuzz: ${done}/${RUNS}`) : undefined)
    console.log(
      `ingress fuzz: ${report.requests} requests in ${report.ms} ms, ${report.accepted} accepted, rejected by status ${JSON.stringify(report.rejected)}`,
    )
    expect(report.requests).toBe(RUNS)
    expect(
      report.forgeries.slice(0, 9).map((f) => JSON.stringify(f)),
      `${report.forgeries.length} forgeries accepted`,
    ).toEqual([])
    expect(report.serverErrors.slice(0, 5), `${report.serverErrors.length} answers were 5xx`).toEqual([])
    // The oracle has something to say: both untouched-enough requests and refusals occur.
    expect(report.accepted).toBeGreaterThan(RUNS / 20)
    expect(Object.values(report.rejected).reduce((a, b) => a + b, 0)).toBeGreaterThan(RUNS / 4)
  })
})
