/**
 * `pipewright sandbox`: serve every emulator and print `<service> <base URL>` lines (or JSON).
 * `sandboxOverrides()` starts the sandbox for `dev --sandbox`, `run --sandbox` and the demo and
 * returns the environment that points every connector at it.
 * @module
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Emulator, formatSandboxLines, type StartSandboxOptions, startSandbox } from '../../sandbox/index.js'
import { loadSandboxConfig, SANDBOX_TOKENS, strictEmulatorOptions } from '../../sandbox/strict-config.js'
import type { CliIo } from '../io.js'

/**
 * Environment that points every connector at the sandbox: `<SERVICE>_BASE_URL` for each
 * emulator plus sandbox credentials (emulators accept these; real credentials never leave
 * for a local emulator because they are replaced).
 */
export function sandboxEnv(urls: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [service, url] of Object.entries(urls)) env[`${service.toUpperCase()}_BASE_URL`] = url
  if (urls.hubspot) env.HUBSPOT_TOKEN = 'pat-sandbox'
  if (urls.slack) {
    env.SLACK_BOT_TOKEN = 'xoxb-sandbox'
    env.SLACK_WEBHOOK_URL = `${urls.slack}/services/T0SANDBOX/B0SANDBOX/sandbox`
  }
  if (urls.clay) {
    env.CLAY_WEBHOOK_URL = `${urls.clay}/v3/sources/webhook/sandbox-table`
    env.CLAY_WEBHOOK_TOKEN = 'clay-sandbox'
  }
  if (urls.airtable) env.AIRTABLE_TOKEN = 'pat-sandbox'
  if (urls.notion) env.NOTION_TOKEN = 'secret_sandbox'
  if (urls.mailchimp) env.MAILCHIMP_API_KEY = 'sandbox-us1'
  if (urls.smtp) env.SMTP_URL = urls.smtp
  if (urls.ga4) {
    env.GA4_MEASUREMENT_ID = 'G-SANDBOX'
    env.GA4_API_SECRET = 'sandbox'
  }
  // Automation platforms: a webhook URL of the right shape on each emulator.
  if (urls.make) env.MAKE_WEBHOOK_URL = `${urls.make}/sandbox`
  if (urls.n8n) env.N8N_WEBHOOK_URL = `${urls.n8n}/webhook/sandbox`
  if (urls.zapier) env.ZAPIER_WEBHOOK_URL = `${urls.zapier}/hooks/catch/0000000/sandbox/`
  return env
}

/** A started sandbox and the environment that points connectors at it. */
export interface SandboxOverrides {
  env: Record<string, string>
  urls: Record<string, string>
  /** The running emulators by service, to inspect what landed (`emulators.hubspot.state`). */
  emulators: Record<string, Emulator>
  /**
   * The opt-in that lets connectors reach the emulators on loopback: exactly their sockets
   * (`127.0.0.1:<port>`), nothing else on this machine. Pass it as `allowPrivateNetwork`.
   */
  allowPrivateNetwork: string[]
  close(): Promise<void>
}

/** `host:port` of every emulator URL: the sandbox's private-network opt-in. */
export function sandboxSockets(urls: Record<string, string>): string[] {
  return Object.values(urls).map((u) => {
    const url = new URL(u)
    return `${url.hostname}:${url.port}`
  })
}

/**
 * Start the sandbox in this process. `options` picks services and per-service emulator
 * options (e.g. the demo's known Slack channels); by default every emulator with its defaults.
 */
export async function sandboxOverrides(port = 0, options: Omit<StartSandboxOptions, 'port' | 'host'> = {}): Promise<SandboxOverrides> {
  const sandbox = await startSandbox({ ...options, port, host: '127.0.0.1' })
  return {
    env: sandboxEnv(sandbox.urls),
    urls: sandbox.urls,
    emulators: sandbox.emulators,
    allowPrivateNetwork: sandboxSockets(sandbox.urls),
    close: () => sandbox.close(),
  }
}

/** The strict flags of `sandbox` (`--strict --config`) and of `dev`, `start`, `run`, `import` (`--strict --sandbox-config`). */
export interface SandboxFlags {
  strict?: boolean
  /** The --strict file. @defaultValue sandbox.yaml in the working directory */
  config?: string
}

export const STRICT_NOTE = `strict: tokens ${Object.values(SANDBOX_TOKENS).join(', ')} (and those listed) authenticate; only the listed channels and tables exist`

/**
 * The emulator options `--strict [--config <file>]` asks for (none without --strict), or a usage
 * message (exit 2). A mistake inside the file throws its ConfigError, naming the key.
 */
export async function strictSandboxOptions(
  cwd: string,
  flags: SandboxFlags,
): Promise<{ options?: StartSandboxOptions['options'] } | { usage: string }> {
  if (flags.config && !flags.strict) return { usage: '--config is the file of --strict; add --strict' }
  if (!flags.strict) return {}
  const file = resolve(cwd, flags.config ?? 'sandbox.yaml')
  if (!flags.config && !existsSync(file))
    return {
      usage: `--strict reads sandbox.yaml (the Slack channels and Airtable tables that exist; see docs/sandbox.md#strict-mode), and there is none in ${cwd}; write one or pass --config <file>`,
    }
  return { options: strictEmulatorOptions(await loadSandboxConfig(file)) }
}

/**
 * `--sandbox [--strict [--config <file>]]` of `dev`, `start` and `run`: the started sandbox, null
 * without --sandbox, or a usage message (exit 2) — --strict and --config need --sandbox.
 */
export async function sandboxFromFlags(
  cwd: string,
  flags: SandboxFlags & { sandbox?: boolean },
): Promise<SandboxOverrides | null | { usage: string }> {
  if (!flags.sandbox) {
    if (flags.strict || flags.config)
      return { usage: `${flags.strict ? '--strict' : '--sandbox-config'} is a sandbox option; add --sandbox` }
    return null
  }
  if (flags.config && !flags.strict) return { usage: '--sandbox-config is the file of --strict; add --strict' }
  const strict = await strictSandboxOptions(cwd, flags)
  if ('usage' in strict) return strict
  return sandboxOverrides(0, strict.options ? { options: strict.options } : {})
}

export async function sandboxCommand(
  io: CliIo,
  opts: { port?: string; json?: boolean; strict?: boolean; config?: string },
): Promise<number> {
  const port = opts.port ? Number(opts.port) : 4301
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`--port must be a port number, got ${opts.port}`)
    return 2
  }
  const strict = await strictSandboxOptions(io.cwd, opts)
  if ('usage' in strict) {
    io.err(strict.usage)
    return 2
  }
  const sandbox = await startSandbox({ port, host: '127.0.0.1', options: strict.options })
  io.out(opts.json ? JSON.stringify(sandbox.urls) : formatSandboxLines(sandbox.urls).join('\n'))
  if (opts.strict && !opts.json) io.err(STRICT_NOTE)
  await io.untilSignal()
  await sandbox.close()
  return 0
}
