/**
 * `GET /api/v1/charts?hours=24&pipeline=&connection=`: per-minute series for the dashboard's
 * charts — runs ended by status, p95 step latency, provider 429s and pacing waits per
 * connection — from the store (src/observe/charts.ts), so every process answers the same.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes } from '../errors.js'
import { chartData } from '../observe/charts.js'
import { doc, errors, jsonSchema, obj, type RouteDoc } from './api-schemas.js'
import { HttpError } from './http-error.js'

const perMinute = z.array(z.number()).describe('one value per minute of `times`')
export const chartsDocs = {
  charts: doc('charts', 'Per-minute series for charts: runs by status, p95 step latency, provider 429s and pacing waits', {
    querystring: jsonSchema(
      obj({
        hours: z.coerce.number().min(1).max(192).default(24).describe('window ending now, in hours (the store keeps 8 days)'),
        pipeline: z.string().optional().describe('runs and latency of this pipeline only'),
        connection: z.string().optional().describe('429s and pacing waits of this connection only (`hubspot:main`)'),
      }),
      'input',
    ),
    response: {
      200: jsonSchema(
        obj({
          from: z.number().int(),
          to: z.number().int(),
          times: z.array(z.number().int()).describe('start of each minute, epoch ms'),
          runs: z.record(z.string(), perMinute).describe('runs ended per minute, by status'),
          stepP95: z.array(z.number().nullable()).describe('p95 step latency per minute, seconds; null without steps'),
          provider429: z.record(z.string(), perMinute).describe('429 answers from providers per minute, by connection'),
          pacingWaits: z.record(z.string(), perMinute).describe('calls our own rate limiter held back per minute, by connection'),
        }),
      ),
      ...errors(400),
    },
  }),
} satisfies Record<string, RouteDoc>

export async function registerChartsApi(api: FastifyInstance, opts: { hub: Hub }) {
  api.get('/charts', { schema: chartsDocs.charts }, async (req) => {
    const q = req.query as Record<string, string | undefined>
    const hours = q.hours === undefined ? 24 : Number(q.hours)
    if (!Number.isFinite(hours) || hours < 1 || hours > 192) throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'hours must be 1 to 192')
    return chartData(opts.hub.store, {
      now: opts.hub.clock.now(),
      hours,
      ...(q.pipeline ? { pipeline: q.pipeline } : {}),
      ...(q.connection ? { connection: q.connection } : {}),
    })
  })
}
