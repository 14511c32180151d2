/**
 * Fault injection for emulators: latency (fixed + jitter), 5xx error rate, 429 storms and
 * connection resets. Set at start (`createEmulator({ faults })`), at runtime through the JS API
 * (`emulator.faults.set({...})`) or over HTTP (`POST /__emulator/faults`).
 * @module
 */
import { z } from 'zod'

export const faultConfigSchema = z.object({
  /** Fixed delay added before every answer, in ms. */
  latencyMs: z.number().min(0).optional(),
  /** Extra random delay between 0 and `jitterMs` ms. */
  jitterMs: z.number().min(0).optional(),
  /** Probability (0–1) that a request is answered with the vendor's 5xx. */
  errorRate: z.number().min(0).max(1).optional(),
  /** Status of injected errors. @defaultValue 503 */
  errorStatus: z.number().int().min(500).max(599).optional(),
  /** 429 storm: every request (or a `probability` share) gets the vendor's 429 for `durationMs` (forever when absent). */
  rateLimitStorm: z
    .object({
      durationMs: z.number().min(0).optional(),
      probability: z.number().min(0).max(1).optional(),
      /** Wait the 429 announces (where the vendor announces one). @defaultValue 1000 */
      retryAfterMs: z.number().min(0).optional(),
    })
    .optional(),
  /** Probability (0–1) that the socket is destroyed without an answer. */
  resetRate: z.number().min(0).max(1).optional(),
  /** Only requests whose path starts with this prefix are affected. */
  pathPrefix: z.string().optional(),
})

export type FaultConfig = z.infer<typeof faultConfigSchema>

/** What to do with one request. */
export type FaultDecision =
  | { kind: 'none'; delayMs: number }
  | { kind: 'error'; delayMs: number; status: number }
  | { kind: 'rate-limit'; delayMs: number; retryAfterMs: number }
  | { kind: 'reset'; delayMs: number }

export class FaultController {
  #config: FaultConfig = {}
  #stormUntil = Number.POSITIVE_INFINITY

  constructor(
    private readonly now: () => number,
    private readonly random: () => number,
    initial: FaultConfig = {},
  ) {
    this.replace(initial)
  }

  /** The active configuration. */
  get(): FaultConfig {
    return structuredClone(this.#config)
  }

  /** Merge settings into the active configuration (a storm's duration starts now). */
  set(partial: FaultConfig): void {
    this.replace({ ...this.#config, ...faultConfigSchema.parse(partial) })
  }

  /** Replace the whole configuration. */
  replace(config: FaultConfig): void {
    this.#config = faultConfigSchema.parse(config)
    const d = this.#config.rateLimitStorm?.durationMs
    this.#stormUntil = d === undefined ? Number.POSITIVE_INFINITY : this.now() + d
  }

  clear(): void {
    this.replace({})
  }

  decide(path: string): FaultDecision {
    const c = this.#config
    if (c.pathPrefix !== undefined && !path.startsWith(c.pathPrefix)) return { kind: 'none', delayMs: 0 }
    const delayMs = (c.latencyMs ?? 0) + (c.jitterMs ? this.random() * c.jitterMs : 0)
    if (c.resetRate && this.random() < c.resetRate) return { kind: 'reset', delayMs }
    const storm = c.rateLimitStorm
    if (storm && this.now() < this.#stormUntil && this.random() < (storm.probability ?? 1)) {
      return { kind: 'rate-limit', delayMs, retryAfterMs: storm.retryAfterMs ?? 1000 }
    }
    if (c.errorRate && this.random() < c.errorRate) return { kind: 'error', delayMs, status: c.errorStatus ?? 503 }
    return { kind: 'none', delayMs }
  }
}
