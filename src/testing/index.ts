/**
 * `pipewright/testing`: run your pipelines in your own tests (vitest, node:test) offline.
 *
 * @example
 * ```ts
 * import { createTestHub, runPipeline } from 'pipewright/testing'
 * import pipeline from '../pipelines/clay-to-hubspot.js'
 *
 * const t = await createTestHub({ pipelines: [pipeline], sandbox: true })
 * const { run, steps } = await runPipeline(t, 'clay-to-hubspot', { row_data: { email: 'a@acme.com' } })
 * expect(run.status).toBe('succeeded')
 * expect(t.effects('slack')).toHaveLength(1)
 * await t.close()
 * ```
 * @module
 */

export { ManualClock } from '../engine/clock.js'
export type { EffectExpectation, TestCase } from './cases.js'
export { checkCase, diffValue, loadCases } from './cases.js'
export type { PipelineResult, TestHub, TestHubOptions } from './hub.js'
export { createTestHub, runPipeline } from './hub.js'
export type { TestSandbox } from './sandbox.js'
export { startTestSandbox, testEmulatorRegistry } from './sandbox.js'
