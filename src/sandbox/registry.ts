/**
 * The one list of sandbox emulators. To add a service, write its emulator factory in the
 * connector's folder and add one import and one entry below (keep one entry per line).
 * @module
 */

import { type ClayEmulatorOptions, clayEmulator } from '../connectors/clay/emulator.js'
import { type HubspotEmulatorOptions, hubspotEmulator } from '../connectors/hubspot/emulator.js'
import { type SlackEmulatorOptions, slackEmulator } from '../connectors/slack/emulator.js'
import type { Emulator } from './emulator.js'
import type { FaultConfig } from './faults.js'

/** Options every emulator factory understands; factories may accept more. */
export interface EmulatorFactoryOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
}

export interface EmulatorFactory {
  /** Service name printed by `pipewright sandbox`, e.g. `hubspot`. */
  service: string
  create(options?: EmulatorFactoryOptions & Record<string, unknown>): Emulator
}

export const emulatorRegistry: readonly EmulatorFactory[] = [
  { service: 'hubspot', create: (o) => hubspotEmulator(o as HubspotEmulatorOptions) },
  { service: 'slack', create: (o) => slackEmulator(o as SlackEmulatorOptions) },
  { service: 'clay', create: (o) => clayEmulator(o as ClayEmulatorOptions) },
]
