/**
 * The HubSpot side: `hubspot:<connection>/<contacts|companies|deals>`. Reads with CRM search on
 * the modification date (src/sources/hubspot.ts); writes one record per call as
 * `hubspot.objects.create|update|upsert|archive`, which the gateway coalesces into HubSpot's
 * batch endpoints (100 records a call); relations are HubSpot associations
 * (`hubspot.associations.set|remove`, coalesced into the v4 batch endpoints), named by the other
 * object type: a contacts side has relations `companies` and `deals`.
 *
 * Options: `properties` (more to read than the sync's mapped fields), `fields` (known property
 * names, for validation), `matchKeys` (unique-value properties used for idempotent creates by
 * batch upsert; default `email` for contacts), `settleMs` (how long the search index may lag).
 *
 * Values come back as HubSpot stores them: strings, `""` for empty, e-mail addresses in lower case.
 *
 * @example
 * ```yaml
 * sides:
 *   b: { side: 'hubspot:main/contacts', matchKeys: [email, external_id] }
 * ```
 * @module
 */
import { z } from 'zod'
import { createHubspotSource, type HubspotObject } from '../../sources/hubspot.js'
import type { SideKind, SideRelation, SideWrite, SyncSide } from '../side.js'

const OBJECTS: readonly HubspotObject[] = ['contacts', 'companies', 'deals']
const hubspotOptions = z
  .object({
    properties: z.array(z.string().min(1)).default([]),
    fields: z.array(z.string().min(1)).optional(),
    matchKeys: z.array(z.string().min(1)).optional(),
    settleMs: z.number().int().min(0).default(5000),
    modifiedProperty: z.string().min(1).optional(),
  })
  .strict()
export type HubspotSideOptions = z.infer<typeof hubspotOptions>

function objectOf(object: string): HubspotObject {
  const o = object.toLowerCase() as HubspotObject
  if (!OBJECTS.includes(o)) throw new Error(`hubspot side: unknown object "${object}"; known: ${OBJECTS.join(', ')}`)
  return o
}

export const hubspotSide: SideKind<HubspotSideOptions> = {
  kind: 'hubspot',
  options: hubspotOptions as never,
  knownFields: (spec) => spec.options.fields ?? null,
  supports: { delete: true, archive: true },
  create(spec, ctx): SyncSide {
    const o = spec.options
    const object = objectOf(spec.object)
    const matchKeys = o.matchKeys ?? (object === 'contacts' ? ['email'] : [])
    const properties = [...new Set([...(spec.fields ?? []), ...o.properties, ...matchKeys])]
    const source = createHubspotSource(
      {
        connection: spec.connection,
        object,
        properties,
        settleMs: o.settleMs,
        ...(o.modifiedProperty ? { modifiedProperty: o.modifiedProperty } : {}),
      },
      ctx,
    )
    const conn = spec.connection === 'default' ? {} : { connection: spec.connection }
    const write = (action: string, input: Record<string, unknown>): SideWrite => ({ ref: `hubspot.${action}`, ...conn, input })
    const relation = (toType: HubspotObject): SideRelation => ({
      set: (id, toId) => write('associations.set', { fromType: object, fromId: id, toType, toId }),
      unset: (id, toId) => write('associations.remove', { fromType: object, fromId: id, toType, toId }),
    })
    const archive = (id: string) => write('objects.archive', { objectType: object, id })
    return {
      ref: `hubspot:${spec.connection}/${object}`,
      source,
      fields: o.fields ?? null,
      matchKeys,
      normalize(field, value) {
        if (value === null || value === undefined) return ''
        if (typeof value === 'object') return JSON.stringify(value)
        const s = String(value)
        return object === 'contacts' && field === 'email' ? s.toLowerCase() : s
      },
      create: (fields, { upsertOn }) =>
        upsertOn
          ? write('objects.upsert', { objectType: object, idProperty: upsertOn, properties: fields })
          : write('objects.create', { objectType: object, properties: fields }),
      update: (id, fields) => write('objects.update', { objectType: object, id, properties: fields }),
      // HubSpot's delete archives (restorable for 90 days); both policies archive
      delete: archive,
      archive,
      createdId: (out) => String((out as { id: string }).id),
      relations: Object.fromEntries(OBJECTS.filter((t) => t !== object).map((t) => [t, relation(t)])),
    }
  },
}
