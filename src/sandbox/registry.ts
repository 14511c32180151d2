/**
 * The one list of sandbox emulators. To add a service, write its emulator factory in the
 * connector's folder and add one import and one entry below (keep one entry per line).
 * @module
 */

import { type AirtableEmulatorOptions, airtableEmulator } from '../connectors/airtable/emulator.js'
import { type AutomationEmulatorOptions, automationEmulator } from '../connectors/automation/emulator.js'
import { type ClayEmulatorOptions, clayEmulator } from '../connectors/clay/emulator.js'
import { type SmtpEmulatorOptions, smtpEmulator } from '../connectors/email/emulator.js'
import { type Ga4EmulatorOptions, ga4Emulator } from '../connectors/ga4/emulator.js'
import { type HubspotEmulatorOptions, hubspotEmulator } from '../connectors/hubspot/emulator.js'
import { type MailchimpEmulatorOptions, mailchimpEmulator } from '../connectors/mailchimp/emulator.js'
import { type NotionEmulatorOptions, notionEmulator } from '../connectors/notion/emulator.js'
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
  { service: 'airtable', create: (o) => airtableEmulator(o as AirtableEmulatorOptions) },
  { service: 'notion', create: (o) => notionEmulator(o as NotionEmulatorOptions) },
  { service: 'mailchimp', create: (o) => mailchimpEmulator(o as MailchimpEmulatorOptions) },
  { service: 'smtp', create: (o) => smtpEmulator(o as SmtpEmulatorOptions) },
  { service: 'ga4', create: (o) => ga4Emulator(o as Ga4EmulatorOptions) },
  { service: 'make', create: (o) => automationEmulator('make', o as AutomationEmulatorOptions) },
  { service: 'n8n', create: (o) => automationEmulator('n8n', o as AutomationEmulatorOptions) },
  { service: 'zapier', create: (o) => automationEmulator('zapier', o as AutomationEmulatorOptions) },
]
