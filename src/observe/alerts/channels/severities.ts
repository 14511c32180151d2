/**
 * The `severities` setting every channel has, with the channel's own default.
 * @module
 */
import { z } from 'zod'
import type { Severity } from '../contract.js'

export function severities(fallback: Severity[]) {
  return z
    .array(z.enum(['warning', 'critical']))
    .min(1)
    .default(fallback)
}
