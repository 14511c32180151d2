/**
 * Pipewright's public API.
 *
 * @example
 * ```ts
 * import { definePipeline, webhook, env } from 'pipewright'
 * ```
 * @module
 */
export { definePipeline, env, manual, schedule, webhook } from './pipeline/define.js'
export { compilePipeline, DEFAULT_RETRY } from './pipeline/compile.js'
export { compilePipelineYaml, parsePipelineYaml } from './pipeline/yaml.js'
export { loadPipelineFile, loadPipelines } from './pipeline/load.js'
export { createHub } from './engine/hub.js'
export { ManualClock, systemClock } from './engine/clock.js'
export { replayDeadLetters, replayRuns } from './engine/replay.js'
export { createRuntime } from './runtime.js'
export { createServer } from './server/app.js'
export { defineConnector, invocation } from './connectors/contract.js'
export {
  CircuitOpenError,
  ConfigError,
  ErrorCodes,
  NonRetryableError,
  PipewrightError,
  QuotaExhaustedError,
  RateLimitedError,
  RetryableError,
  RetryAfterError,
  SkipError,
  isPipewrightError,
} from './errors.js'
export type { Hub, HubOptions, Delivery, IngestResult } from './engine/hub.js'
export type { Runtime, RuntimeOptions } from './runtime.js'
export type {
  CompiledPipeline,
  Computed,
  PipelineDefinition,
  Scope,
  StepDefinition,
  StepHelpers,
  WebhookAuth,
  WebhookTriggerOptions,
  ScheduleTriggerOptions,
} from './pipeline/types.js'
export type { ActionInvocation, ConnectorDefinition, ActionDefinition, ActionContext } from './connectors/contract.js'
export type { Store } from './store/contract.js'
export type { Dispatch } from './dispatch/contract.js'
export type { Clock, DeadLetterRecord, EventRecord, RunRecord, RunStatus, StepResultRecord, SerializedError } from './types.js'
