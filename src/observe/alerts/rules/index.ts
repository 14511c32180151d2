/**
 * The rule families, by kind. A new kind of rule is one file in this folder and one line here.
 * @module
 */
import type { RuleFamily } from '../contract.js'
import { budget } from './budget.js'
import { circuitOpen } from './circuit-open.js'
import { credentialRotation } from './credential-rotation.js'
import { deadLetters } from './dead-letters.js'
import { failureRate } from './failure-rate.js'
import { provider429 } from './provider-429.js'
import { queueDepth } from './queue-depth.js'
import { stepLatency } from './step-latency.js'
import { syncConflicts } from './sync-conflicts.js'

/** In the order `alerts list` shows the default rules. */
export const ruleFamilies: readonly RuleFamily[] = [
  failureRate,
  stepLatency,
  queueDepth,
  provider429,
  budget,
  deadLetters,
  circuitOpen,
  credentialRotation,
  syncConflicts,
]

export function ruleFamily(kind: string): RuleFamily | undefined {
  return ruleFamilies.find((f) => f.kind === kind)
}
