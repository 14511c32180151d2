/**
 * The sandbox for tests: every registered emulator plus those whose connectors are written but
 * not yet in the sandbox registry (Airtable, Mailchimp, Notion), on random loopback ports.
 * @module
 */

import { sandboxEnv } from '../cli/commands/sandbox.js'
import { airtableEmulator } from '../connectors/airtable/emulator.js'
import { mailchimpEmulator } from '../connectors/mailchimp/emulator.js'
import { notionEmulator } from '../connectors/notion/emulator.js'
import { type EmulatorFactory, emulatorRegistry } from '../sandbox/registry.js'
import { type Sandbox, startSandbox } from '../sandbox/sandbox.js'

const EXTRA: EmulatorFactory[] = [
  { service: 'airtable', create: (o) => airtableEmulator(o as never) },
  { service: 'mailchimp', create: (o) => mailchimpEmulator(o as never) },
  { service: 'notion', create: (o) => notionEmulator(o as never) },
]

/** The registry plus the extra emulators it does not list yet. */
export function testEmulatorRegistry(): EmulatorFactory[] {
  return [...emulatorRegistry, ...EXTRA.filter((f) => !emulatorRegistry.some((r) => r.service === f.service))]
}

export interface TestSandbox extends Sandbox {
  /** `<SERVICE>_BASE_URL` and sandbox credentials for every service. */
  env: Record<string, string>
}

export async function startTestSandbox(
  options: { services?: string[]; options?: Record<string, Record<string, unknown>> } = {},
): Promise<TestSandbox> {
  const sandbox = await startSandbox({
    port: 0,
    host: '127.0.0.1',
    registry: testEmulatorRegistry(),
    services: options.services,
    options: options.options,
  })
  return { ...sandbox, env: sandboxEnv(sandbox.urls) }
}
