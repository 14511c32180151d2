/**
 * The sandbox: local, contract-faithful emulators of the connected services.
 * @module
 */

export type {
  CreateEmulatorOptions,
  Emulator,
  EmulatorContext,
  EmulatorHandler,
  EmulatorHook,
  EmulatorServer,
  LoggedRequest,
} from './emulator.js'
export { createEmulator } from './emulator.js'
export type { FaultConfig, FaultDecision } from './faults.js'
export { FaultController, faultConfigSchema } from './faults.js'
export type { EmulatorFactory, EmulatorFactoryOptions } from './registry.js'
export { emulatorRegistry } from './registry.js'
export type { EmulatorReply, EmulatorRequest } from './reply.js'
export { bearerToken, empty, header, json, text } from './reply.js'
export type { Sandbox, StartSandboxOptions } from './sandbox.js'
export { formatSandboxLines, startSandbox } from './sandbox.js'
export type { WindowDecision } from './window-limiter.js'
export { WindowLimiter } from './window-limiter.js'
