/**
 * `/api/v1/alerts…`: the alert rules and channels in force, incidents, and a rule test.
 *
 * - `GET /alerts` → `{ rules, channels, incidents }` (open incidents)
 * - `GET /alerts/incidents?status=firing,resolved&rule=&limit=` → `{ incidents }`
 * - `GET /alerts/incidents/:id` → the incident and its messages
 * - `POST /alerts/rules/:id/test` `{ send?: boolean }` → what the rule finds now; with
 *   `send` (default false) a test message through the rule's channels
 *
 * Channel settings are shown without secrets (`describe()`).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes } from '../errors.js'
import type { Alerting } from '../observe/alerts/alerting.js'
import { describeRules } from '../observe/alerts/describe.js'
import type { IncidentStatus } from '../store/observe/contract.js'
import { HttpError } from './http-error.js'

const STATUSES: IncidentStatus[] = ['pending', 'firing', 'resolved']

export async function registerAlertsApi(api: FastifyInstance, opts: { hub: Hub; alerting?: Alerting | null }) {
  const { hub } = opts
  const alerting = () => {
    if (!opts.alerting) throw new HttpError(404, ErrorCodes.NOT_FOUND, 'alerting is off in this process')
    return opts.alerting
  }

  api.get('/alerts', async () => {
    const a = alerting()
    return {
      file: a.config.file,
      evaluateEveryMs: a.config.evaluateEveryMs,
      ...describeRules(a),
      incidents: await hub.store.alerts.listIncidents({ status: ['pending', 'firing'], limit: 1000 }),
    }
  })

  api.get('/alerts/incidents', async (req) => {
    const q = req.query as Record<string, string | undefined>
    const status = q.status?.split(',') as IncidentStatus[] | undefined
    if (status && !status.every((s) => STATUSES.includes(s)))
      throw new HttpError(400, ErrorCodes.BAD_REQUEST, `status must be one of ${STATUSES.join(', ')}`)
    const limit = q.limit === undefined ? 100 : Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'limit must be 1 to 1000')
    return {
      incidents: await hub.store.alerts.listIncidents({
        ...(status ? { status } : {}),
        ...(q.rule ? { rule: q.rule } : {}),
        limit,
      }),
    }
  })

  api.get('/alerts/incidents/:id', async (req) => {
    const id = (req.params as { id: string }).id
    const incident = await hub.store.alerts.getIncident(id)
    if (!incident) throw new HttpError(404, ErrorCodes.NOT_FOUND, `no incident ${id}`)
    const notifications = (await hub.store.alerts.listNotifications({ incidentId: id })).map(({ message: _m, ...n }) => n)
    return { incident, notifications }
  })

  api.post('/alerts/rules/:id/test', async (req) => {
    const a = alerting()
    const id = (req.params as { id: string }).id
    if (!a.config.rules.some((r) => r.id === id)) throw new HttpError(404, ErrorCodes.NOT_FOUND, `no alert rule ${id}`)
    const body = (req.body ?? {}) as { send?: unknown }
    const r = await a.test(id, { send: body.send === true })
    return { rule: r.rule.id, findings: r.findings, queued: r.queued.length, delivery: r.delivery }
  })
}
