/**
 * GA4 Measurement Protocol payload rules: at most 25 events per request and 25 parameters per
 * event; event and parameter names start with a letter, use letters, digits and underscores,
 * are at most 40 characters and avoid reserved names and the prefixes `_`, `google_`, `ga_`,
 * `firebase_`; parameter values at most 100 characters; at most 25 user properties (names ≤ 24,
 * values ≤ 36). Messages use the fieldPath/description/validationCode of `/debug/mp/collect`.
 * @module
 */
export interface ValidationMessage {
  fieldPath: string
  description: string
  validationCode:
    | 'NAME_INVALID'
    | 'NAME_RESERVED'
    | 'VALUE_INVALID'
    | 'VALUE_REQUIRED'
    | 'VALUE_OUT_OF_BOUNDS'
    | 'EXCEEDED_MAX_ENTITIES'
    | 'NAME_DUPLICATED'
}

export const MAX_EVENTS = 25
export const MAX_PARAMS = 25
export const MAX_USER_PROPERTIES = 25
export const RESERVED_PREFIXES = ['_', 'google_', 'ga_', 'firebase_']
export const RESERVED_EVENT_NAMES = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_impression',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_install',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_update',
  'app_upgrade',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'first_open',
  'first_visit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'os_update',
  'session_start',
  'session_start_with_rollout',
  'user_engagement',
])
export const RESERVED_PARAM_NAMES = new Set(['firebase_conversion'])
export const RESERVED_USER_PROPERTY_NAMES = new Set([
  'first_open_time',
  'first_visit_time',
  'last_deep_link_referrer',
  'user_id',
  'first_open_after_install',
])

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/

function checkName(path: string, name: unknown, max: number, reserved: Set<string>, what: string): ValidationMessage | null {
  if (typeof name !== 'string' || name === '')
    return { fieldPath: path, description: `${what} name is required.`, validationCode: 'VALUE_REQUIRED' }
  const prefix = RESERVED_PREFIXES.find((p) => name.toLowerCase().startsWith(p))
  if (prefix)
    return { fieldPath: path, description: `${what} name "${name}" uses the reserved prefix "${prefix}".`, validationCode: 'NAME_RESERVED' }
  if (reserved.has(name)) return { fieldPath: path, description: `${what} name "${name}" is reserved.`, validationCode: 'NAME_RESERVED' }
  if (name.length > max)
    return {
      fieldPath: path,
      description: `${what} name "${name}" is longer than ${max} characters.`,
      validationCode: 'VALUE_OUT_OF_BOUNDS',
    }
  if (!NAME.test(name))
    return {
      fieldPath: path,
      description: `${what} name "${name}" must start with a letter and contain only letters, digits and underscores.`,
      validationCode: 'NAME_INVALID',
    }
  return null
}

/** Structural checks (counts, names) — what the connector refuses before sending. */
export function checkStructure(body: { client_id?: unknown; events?: unknown; user_properties?: unknown }): ValidationMessage[] {
  const out: ValidationMessage[] = []
  if (typeof body.client_id !== 'string' || body.client_id === '')
    out.push({ fieldPath: 'client_id', description: 'client_id is required.', validationCode: 'VALUE_REQUIRED' })
  const events = Array.isArray(body.events) ? (body.events as Array<{ name?: unknown; params?: unknown }>) : []
  if (events.length === 0)
    out.push({ fieldPath: 'events', description: 'At least one event is required.', validationCode: 'VALUE_REQUIRED' })
  if (events.length > MAX_EVENTS)
    out.push({
      fieldPath: 'events',
      description: `A request may carry at most ${MAX_EVENTS} events; got ${events.length}.`,
      validationCode: 'EXCEEDED_MAX_ENTITIES',
    })
  events.forEach((e, i) => {
    const n = checkName(`events[${i}].name`, e?.name, 40, RESERVED_EVENT_NAMES, 'Event')
    if (n) out.push(n)
    const params = e?.params && typeof e.params === 'object' ? Object.keys(e.params as object) : []
    if (params.length > MAX_PARAMS)
      out.push({
        fieldPath: `events[${i}].params`,
        description: `An event may carry at most ${MAX_PARAMS} parameters; got ${params.length}.`,
        validationCode: 'EXCEEDED_MAX_ENTITIES',
      })
    for (const p of params) {
      const m = checkName(`events[${i}].params.${p}`, p, 40, RESERVED_PARAM_NAMES, 'Parameter')
      if (m) out.push(m)
    }
  })
  const ups = body.user_properties && typeof body.user_properties === 'object' ? Object.keys(body.user_properties as object) : []
  if (ups.length > MAX_USER_PROPERTIES)
    out.push({
      fieldPath: 'user_properties',
      description: `At most ${MAX_USER_PROPERTIES} user properties; got ${ups.length}.`,
      validationCode: 'EXCEEDED_MAX_ENTITIES',
    })
  for (const u of ups) {
    const m = checkName(`user_properties.${u}`, u, 24, RESERVED_USER_PROPERTY_NAMES, 'User property')
    if (m) out.push(m)
  }
  return out
}

/** Value checks the debug endpoint adds: parameter values ≤ 100 characters, user property values ≤ 36. */
export function checkValues(body: { events?: unknown; user_properties?: unknown }): ValidationMessage[] {
  const out: ValidationMessage[] = []
  const events = Array.isArray(body.events) ? (body.events as Array<{ params?: Record<string, unknown> }>) : []
  events.forEach((e, i) => {
    for (const [k, v] of Object.entries(e?.params ?? {})) {
      if (typeof v === 'string' && v.length > 100)
        out.push({
          fieldPath: `events[${i}].params.${k}`,
          description: `Value of parameter "${k}" is longer than 100 characters.`,
          validationCode: 'VALUE_OUT_OF_BOUNDS',
        })
      if (v !== null && typeof v === 'object' && k !== 'items')
        out.push({
          fieldPath: `events[${i}].params.${k}`,
          description: `Value of parameter "${k}" must be a string or a number.`,
          validationCode: 'VALUE_INVALID',
        })
    }
  })
  for (const [k, v] of Object.entries((body.user_properties ?? {}) as Record<string, { value?: unknown }>)) {
    const value = v?.value
    if (typeof value === 'string' && value.length > 36)
      out.push({
        fieldPath: `user_properties.${k}.value`,
        description: `Value of user property "${k}" is longer than 36 characters.`,
        validationCode: 'VALUE_OUT_OF_BOUNDS',
      })
  }
  return out
}
