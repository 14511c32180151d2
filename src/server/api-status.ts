/**
 * `GET /api/v1/status`: each pipeline, sync and connection as active, paused, degraded or
 * failing, with the reasons and the firing incidents about it (src/observe/status.ts). The
 * runtime passes a source that knows the syncs and connections; a bare server reports its
 * hub's pipelines and the connections they call.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Hub } from '../engine/hub.js'
import type { StatusReport } from '../observe/status.js'
import { gatherStatus } from '../observe/status-sources.js'
import type { BudgetRow } from '../resilience/budget.js'
import { doc, errors, jsonSchema, obj, type RouteDoc } from './api-schemas.js'

const healthStatus = z.enum(['active', 'paused', 'degraded', 'failing'])
const entry = obj({
  kind: z.enum(['pipeline', 'sync', 'connection']),
  id: z.string().describe('pipeline id, sync id, or connection key (`hubspot:main`)'),
  status: healthStatus,
  reasons: z.array(z.string()).describe('why it is not active, one sentence each'),
  incidents: z.array(z.string()).describe('ids of firing incidents about it (/api/v1/alerts/incidents/{id})'),
})
export const statusReportSchema = obj({
  pipelines: z.array(entry),
  syncs: z.array(entry),
  connections: z.array(entry),
  counts: obj({ active: z.number().int(), paused: z.number().int(), degraded: z.number().int(), failing: z.number().int() }),
})

export const statusDocs = {
  status: doc('status', 'Status of each pipeline, sync and connection: active, paused, degraded or failing', {
    response: { 200: jsonSchema(statusReportSchema), ...errors() },
  }),
} satisfies Record<string, RouteDoc>

export type StatusSource = () => Promise<StatusReport>

export async function registerStatusApi(
  api: FastifyInstance,
  opts: { hub: Hub; status?: StatusSource; usage?: () => Promise<unknown[]> | unknown[] },
) {
  const { hub } = opts
  const source: StatusSource =
    opts.status ??
    (() =>
      gatherStatus({
        store: hub.store,
        now: hub.clock.now(),
        pipelines: hub.pipelines(),
        ...(opts.usage ? { usage: async () => (await opts.usage!()) as BudgetRow[] } : {}),
      }))
  api.get('/status', { schema: statusDocs.status }, async () => source())
}
