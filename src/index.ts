/**
 * Pipewright's public API.
 *
 * @example
 * ```ts
 * import { definePipeline, webhook, env } from 'pipewright'
 * ```
 * @module
 */

export type { ConnectionDefinition, ConnectionInfo, CredentialRef } from './connections/index.js'
export { defineConnection, findConnection, listConnections } from './connections/index.js'
export type { ActionContext, ActionDefinition, ActionInvocation, ConnectorDefinition } from './connectors/contract.js'
export { defineConnector, invocation } from './connectors/contract.js'
export type { Dispatch } from './dispatch/contract.js'
export { ManualClock, systemClock } from './engine/clock.js'
export type { Delivery, Hub, HubOptions, IngestResult } from './engine/hub.js'
export { createHub } from './engine/hub.js'
export { replayDeadLetters, replayRuns } from './engine/replay.js'
export {
  CircuitOpenError,
  ConfigError,
  ErrorCodes,
  isPipewrightError,
  NonRetryableError,
  PipewrightError,
  QuotaExhaustedError,
  RateLimitedError,
  RetryAfterError,
  RetryableError,
  SkipError,
} from './errors.js'
export { compilePipeline, DEFAULT_RETRY } from './pipeline/compile.js'
export { definePipeline, env, manual, schedule, webhook } from './pipeline/define.js'
export { loadPipelineFile, loadPipelines } from './pipeline/load.js'
export { type PipelineBuilder, pipeline, type TypedScope, type TypedStepOptions } from './pipeline/typed.js'
export type {
  CompiledPipeline,
  Computed,
  PipelineDefinition,
  ScheduleTriggerOptions,
  Scope,
  StepDefinition,
  StepHelpers,
  WebhookAuth,
  WebhookTriggerOptions,
} from './pipeline/types.js'
export { compilePipelineYaml, parsePipelineYaml } from './pipeline/yaml.js'
export type { Runtime, RuntimeOptions } from './runtime.js'
export { createRuntime } from './runtime.js'
export { createServer } from './server/app.js'
export type { Store } from './store/contract.js'
export { defineSync } from './sync/define.js'
export { consentToStatus, statusToConsent } from './sync/sides/mailchimp.js'
export type { FieldDefinition, SyncDefinition, SyncWebhookDefinition } from './sync/types.js'
export type { Clock, DeadLetterRecord, EventRecord, RunRecord, RunStatus, SerializedError, StepResultRecord } from './types.js'
