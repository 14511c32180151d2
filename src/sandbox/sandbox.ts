/**
 * `startSandbox`: serve every registered emulator (or a chosen few) on loopback, on
 * consecutive ports from `port` (0 = a random free port each), and format the lines
 * `pipewright sandbox` prints.
 *
 * @example
 * ```ts
 * const sb = await startSandbox({ port: 4301 })
 * console.log(formatSandboxLines(sb.urls).join('\n')) // hubspot http://127.0.0.1:4301 …
 * await sb.close()
 * ```
 * @module
 */
import type { Emulator } from './emulator.js'
import { type EmulatorFactory, type EmulatorFactoryOptions, emulatorRegistry } from './registry.js'

export interface StartSandboxOptions {
  /** First port; service i listens on `port + i`. 0 picks a random free port for each. @defaultValue 0 */
  port?: number
  /** Services to start, by name; all registered ones when absent. */
  services?: string[]
  /** @defaultValue '127.0.0.1' */
  host?: string
  /** Per-service emulator options, e.g. `{ hubspot: { searchLagMs: 0 } }`. */
  options?: Record<string, EmulatorFactoryOptions & Record<string, unknown>>
  /** Emulator factories to choose from. @defaultValue the registry */
  registry?: readonly EmulatorFactory[]
}

export interface Sandbox {
  /** Base URL per service. */
  urls: Record<string, string>
  emulators: Record<string, Emulator>
  close(): Promise<void>
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const registry = options.registry ?? emulatorRegistry
  const host = options.host ?? '127.0.0.1'
  const wanted = options.services ?? registry.map((f) => f.service)
  const unknown = wanted.filter((s) => !registry.some((f) => f.service === s))
  if (unknown.length > 0) {
    throw new Error(
      `unknown sandbox service${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${registry.map((f) => f.service).join(', ')}`,
    )
  }
  const urls: Record<string, string> = {}
  const emulators: Record<string, Emulator> = {}
  const close = async () => {
    await Promise.all(Object.values(emulators).map((e) => e.close()))
  }
  try {
    let i = 0
    for (const service of wanted) {
      const factory = registry.find((f) => f.service === service) as EmulatorFactory
      const emu = factory.create(options.options?.[service])
      emulators[service] = emu
      urls[service] = await emu.listen({ port: options.port ? options.port + i : 0, host })
      i++
    }
  } catch (e) {
    await close()
    throw e
  }
  return { urls, emulators, close }
}

/** One line per service, `<service> <base URL>` (DESIGN §7). */
export function formatSandboxLines(urls: Record<string, string>): string[] {
  return Object.entries(urls).map(([service, url]) => `${service} ${url}`)
}
