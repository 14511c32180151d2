/**
 * `hubspot.associations.set` / `remove`: the default (HUBSPOT_DEFINED) association between two
 * records, one pair a call, coalesced by the gateway into the v4 batch endpoints
 * (`/crm/v4/associations/<from>/<to>/batch/associate/default`, `…/batch/archive`). Both are
 * idempotent: setting an existing association or removing a missing one succeeds.
 * @module
 */
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import type { ActionDefinition } from '../contract.js'
import { crmObjectType } from './action-crm.js'
import { hubspotCall, hubspotOk } from './client.js'
import type { HubspotConnection } from './connection.js'

export const associationInput = z.object({
  fromType: crmObjectType,
  fromId: z.string().min(1),
  toType: crmObjectType,
  toId: z.string().min(1),
})
export type AssociationInput = z.infer<typeof associationInput>

const key = (i: AssociationInput) => `${i.fromType}/${i.toType}`

export const associationsSet: ActionDefinition<HubspotConnection, AssociationInput, { fromId: string; toId: string }> = {
  input: associationInput as never,
  batch: {
    maxSize: 100,
    windowMs: 10,
    key,
    run: async (inputs, ctx) => {
      const { fromType, toType } = inputs[0]!
      const body = { inputs: inputs.map((i) => ({ from: { id: i.fromId }, to: { id: i.toId } })) }
      const res = hubspotOk(
        await hubspotCall(ctx, 'POST', `/crm/v4/associations/${fromType}/${toType}/batch/associate/default`, body),
        `associate ${fromType} with ${toType}`,
        ctx.clock.now(),
      )
      const errors = (res.body as { errors?: Array<{ message?: string; context?: { fromId?: string[]; toId?: string[] } }> })?.errors ?? []
      return inputs.map((i) => {
        const e = errors.find((x) => x.context?.fromId?.includes(i.fromId) && x.context?.toId?.includes(i.toId))
        return e
          ? new NonRetryableError(`HubSpot associate ${fromType} ${i.fromId} with ${toType} ${i.toId}: ${e.message ?? 'failed'}`, {
              status: 404,
            })
          : { fromId: i.fromId, toId: i.toId }
      })
    },
  },
  run: async (i, ctx) => {
    const path = `/crm/v4/objects/${i.fromType}/${encodeURIComponent(i.fromId)}/associations/default/${i.toType}/${encodeURIComponent(i.toId)}`
    hubspotOk(await hubspotCall(ctx, 'PUT', path), `associate ${i.fromType} with ${i.toType}`, ctx.clock.now())
    return { fromId: i.fromId, toId: i.toId }
  },
}

export const associationsRemove: ActionDefinition<HubspotConnection, AssociationInput, { fromId: string; toId: string }> = {
  input: associationInput as never,
  batch: {
    maxSize: 100,
    windowMs: 10,
    key,
    run: async (inputs, ctx) => {
      const { fromType, toType } = inputs[0]!
      const body = { inputs: inputs.map((i) => ({ from: { id: i.fromId }, to: [{ id: i.toId }] })) }
      hubspotOk(
        await hubspotCall(ctx, 'POST', `/crm/v4/associations/${fromType}/${toType}/batch/archive`, body),
        `remove associations of ${fromType} with ${toType}`,
        ctx.clock.now(),
      )
      return inputs.map((i) => ({ fromId: i.fromId, toId: i.toId }))
    },
  },
  run: async (i, ctx) => {
    const path = `/crm/v4/objects/${i.fromType}/${encodeURIComponent(i.fromId)}/associations/${i.toType}/${encodeURIComponent(i.toId)}`
    hubspotOk(await hubspotCall(ctx, 'DELETE', path), `remove association of ${i.fromType} with ${i.toType}`, ctx.clock.now())
    return { fromId: i.fromId, toId: i.toId }
  },
}
