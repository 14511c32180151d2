/**
 * Batch create / update / upsert / read / archive of the HubSpot emulator, with 207 multi-status
 * replies carrying per-input errors. A create input's `objectWriteTraceId` comes back on its result
 * (and in the context of its error), so callers can tell which input made which record.
 * @module
 */
import { type EmulatorReply, empty, json } from '../../sandbox/reply.js'
import {
  archiveRecord,
  createRecord,
  findRecord,
  type HubspotState,
  hubspotError,
  invalidProperty,
  normaliseProperties,
  type ObjectType,
  publicRecord,
  updateRecord,
} from './emulator-state.js'

export interface BatchOptions {
  now: number
  lagMs: number
  /** Unique-value properties accepted as `idProperty`, per object type. */
  uniqueProperties: Record<ObjectType, string[]>
}

interface BatchInput {
  id?: unknown
  idProperty?: unknown
  properties?: unknown
  objectWriteTraceId?: unknown
}

export function runBatch(state: HubspotState, type: ObjectType, op: string, body: unknown, o: BatchOptions): EmulatorReply {
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs
  if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "inputs" must be an array')
  if (inputs.length > 100) return hubspotError(400, 'VALIDATION_ERROR', `Batch input cannot exceed 100 items (got ${inputs.length})`)
  if (op === 'read') return batchRead(state, type, body as ReadBody, inputs as BatchInput[])
  if (op === 'archive') {
    for (const i of inputs as BatchInput[]) archiveRecord(state, type, String(i.id))
    return empty(204)
  }
  if (op !== 'create' && op !== 'update' && op !== 'upsert') return hubspotError(404, 'OBJECT_NOT_FOUND', `Unknown batch operation ${op}`)
  if (op !== 'create') {
    const ids = inputs.map((i: BatchInput) => String(i.id))
    const dup = ids.find((id, n) => ids.indexOf(id) !== n)
    if (dup !== undefined) return hubspotError(400, 'VALIDATION_ERROR', `Duplicate IDs found in batch input: [${dup}]. IDs must be unique`)
  }
  const startedAt = new Date(o.now).toISOString()
  const results: Record<string, unknown>[] = []
  const errors: Record<string, unknown>[] = []
  const fail = (category: string, message: string, context: Record<string, unknown>) => {
    errors.push({ status: 'error', category, message, context })
  }
  for (const input of inputs as BatchInput[]) {
    const props = normaliseProperties(input.properties)
    const key = input.id === undefined ? {} : { ids: [String(input.id)] }
    if (typeof props === 'string') {
      fail('VALIDATION_ERROR', props, key)
      continue
    }
    const bad = invalidProperty(type, props)
    if (bad) {
      fail('VALIDATION_ERROR', bad, key)
      continue
    }
    if (op === 'create') {
      const trace = input.objectWriteTraceId === undefined ? {} : { objectWriteTraceId: String(input.objectWriteTraceId) }
      const dup = type === 'contacts' && props.email ? findRecord(state, type, props.email, 'email') : undefined
      if (dup)
        fail('CONFLICT', `Contact already exists. Existing ID: ${dup.id}`, {
          existingId: [dup.id],
          ...(trace.objectWriteTraceId ? { objectWriteTraceId: [trace.objectWriteTraceId] } : {}),
        })
      else results.push({ ...publicRecord(createRecord(state, type, props, o.now, o.lagMs)), ...trace })
      continue
    }
    const idProperty = typeof input.idProperty === 'string' ? input.idProperty : null
    if (op === 'upsert' && (!idProperty || !o.uniqueProperties[type].includes(idProperty))) {
      return hubspotError(
        400,
        'VALIDATION_ERROR',
        `${idProperty ?? '(missing idProperty)'} is not a unique property of ${type}; upsert needs a unique-value idProperty`,
      )
    }
    if (idProperty && idProperty !== 'hs_object_id' && !o.uniqueProperties[type].includes(idProperty)) {
      fail('VALIDATION_ERROR', `${idProperty} is not a unique property of ${type}`, key)
      continue
    }
    const found = findRecord(state, type, String(input.id), idProperty)
    if (found) {
      results.push({ ...publicRecord(updateRecord(state, type, found, props, o.now)), ...(op === 'upsert' ? { new: false } : {}) })
    } else if (op === 'upsert') {
      const rec = createRecord(state, type, { ...props, [idProperty as string]: String(input.id) }, o.now, o.lagMs)
      results.push({ ...publicRecord(rec), new: true })
    } else {
      fail('OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', key)
    }
  }
  const out: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date(o.now).toISOString() }
  if (errors.length > 0) return json(207, { ...out, numErrors: errors.length, errors })
  return json(op === 'create' ? 201 : 200, out)
}

interface ReadBody {
  properties?: unknown
  idProperty?: unknown
}

function batchRead(state: HubspotState, type: ObjectType, body: ReadBody, inputs: BatchInput[]): EmulatorReply {
  const idProperty = typeof body.idProperty === 'string' ? body.idProperty : null
  const only = Array.isArray(body.properties) ? (body.properties as string[]) : null
  const results: Record<string, unknown>[] = []
  const errors: Record<string, unknown>[] = []
  for (const input of inputs) {
    const found = findRecord(state, type, String(input.id), idProperty)
    if (found) results.push(publicRecord(found, only))
    else
      errors.push({
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        message: 'Could not get some objects, they may be deleted or not exist.',
        context: { ids: [String(input.id)] },
      })
  }
  const out: Record<string, unknown> = { status: 'COMPLETE', results }
  return errors.length > 0 ? json(207, { ...out, numErrors: errors.length, errors }) : json(200, out)
}
