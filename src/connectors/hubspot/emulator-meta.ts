/**
 * The HubSpot emulator's schema endpoints, shaped as HubSpot answers them:
 * `GET /crm/v3/properties/{objectType}` → `{results:[{name,label,type,fieldType,groupName,options}]}`
 * (a catalogue of default properties, plus any other property a stored record carries, as a
 * custom string property) and `GET /crm/v3/pipelines/{objectType}` → `{results:[{id,label,
 * displayOrder,stages:[{id,label,displayOrder,metadata}]}]}` for deals and tickets.
 * @module
 */
import type { EmulatorServer } from '../../sandbox/emulator.js'
import { json } from '../../sandbox/reply.js'
import { type HubspotState, hubspotError, OBJECT_TYPES, type ObjectType } from './emulator-state.js'

export interface PropertyDef {
  name: string
  label: string
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool'
  fieldType: string
  groupName: string
  options?: Array<{ value: string; label: string }>
}

const p = (name: string, label: string, type: PropertyDef['type'] = 'string', groupName = 'contactinformation'): PropertyDef => ({
  name,
  label,
  type,
  fieldType: type === 'enumeration' ? 'select' : type === 'number' ? 'number' : type === 'date' || type === 'datetime' ? 'date' : 'text',
  groupName,
})
const stage = (values: string[]) => values.map((v) => ({ value: v, label: v.replace(/^./, (c) => c.toUpperCase()) }))

export const DEFAULT_PROPERTIES: Record<ObjectType, PropertyDef[]> = {
  contacts: [
    p('email', 'Email'),
    p('firstname', 'First Name'),
    p('lastname', 'Last Name'),
    p('phone', 'Phone Number'),
    p('company', 'Company Name'),
    p('jobtitle', 'Job Title'),
    p('website', 'Website URL'),
    {
      ...p('lifecyclestage', 'Lifecycle Stage', 'enumeration'),
      options: stage([
        'subscriber',
        'lead',
        'marketingqualifiedlead',
        'salesqualifiedlead',
        'opportunity',
        'customer',
        'evangelist',
        'other',
      ]),
    },
    p('hs_lead_status', 'Lead Status', 'enumeration'),
    p('createdate', 'Create Date', 'datetime'),
    p('lastmodifieddate', 'Last Modified Date', 'datetime'),
  ],
  companies: [
    p('name', 'Name', 'string', 'companyinformation'),
    p('domain', 'Company Domain Name', 'string', 'companyinformation'),
    p('industry', 'Industry', 'enumeration', 'companyinformation'),
    p('numberofemployees', 'Number of Employees', 'number', 'companyinformation'),
    p('city', 'City', 'string', 'companyinformation'),
    p('country', 'Country/Region', 'string', 'companyinformation'),
    p('external_id', 'External ID', 'string', 'companyinformation'),
    p('createdate', 'Create Date', 'datetime', 'companyinformation'),
    p('hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'companyinformation'),
  ],
  deals: [
    p('dealname', 'Deal Name', 'string', 'dealinformation'),
    p('amount', 'Amount', 'number', 'dealinformation'),
    p('dealstage', 'Deal Stage', 'enumeration', 'dealinformation'),
    p('pipeline', 'Pipeline', 'enumeration', 'dealinformation'),
    p('closedate', 'Close Date', 'datetime', 'dealinformation'),
    p('external_id', 'External ID', 'string', 'dealinformation'),
    p('hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'dealinformation'),
  ],
}

export interface PipelineDef {
  id: string
  label: string
  stages: Array<{ id: string; label: string }>
}

export const DEFAULT_PIPELINES: Record<'deals' | 'tickets', PipelineDef[]> = {
  deals: [
    {
      id: 'default',
      label: 'Sales Pipeline',
      stages: [
        { id: 'appointmentscheduled', label: 'Appointment Scheduled' },
        { id: 'qualifiedtobuy', label: 'Qualified To Buy' },
        { id: 'presentationscheduled', label: 'Presentation Scheduled' },
        { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In' },
        { id: 'contractsent', label: 'Contract Sent' },
        { id: 'closedwon', label: 'Closed Won' },
        { id: 'closedlost', label: 'Closed Lost' },
      ],
    },
  ],
  tickets: [
    {
      id: '0',
      label: 'Support Pipeline',
      stages: [
        { id: '1', label: 'New' },
        { id: '2', label: 'Waiting on contact' },
        { id: '3', label: 'Waiting on us' },
        { id: '4', label: 'Closed' },
      ],
    },
  ],
}

export function registerHubspotMeta(
  emu: EmulatorServer<HubspotState>,
  options: {
    properties?: Partial<Record<ObjectType, PropertyDef[]>>
    pipelines?: Partial<Record<'deals' | 'tickets', PipelineDef[]>>
  } = {},
): void {
  emu.route('GET', '/crm/v3/properties/:objectType', (req, ctx) => {
    const type = req.params.objectType as ObjectType
    if (!OBJECT_TYPES.includes(type))
      return hubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${req.params.objectType}`)
    const declared = options.properties?.[type] ?? DEFAULT_PROPERTIES[type]
    const known = new Set(declared.map((d) => d.name))
    const seen = new Set<string>()
    for (const r of ctx.state.objects[type].values()) for (const k of Object.keys(r.properties)) if (!known.has(k)) seen.add(k)
    const custom = [...seen].sort().map((name) => ({ ...p(name, name), groupName: `${type.slice(0, -1)}information` }))
    const results = [...declared, ...custom].map((d) => ({
      ...d,
      description: '',
      options: d.options ?? [],
      hidden: false,
      formField: true,
      calculated: false,
      hubspotDefined: known.has(d.name),
    }))
    return json(200, { results })
  })
  emu.route('GET', '/crm/v3/pipelines/:objectType', (req) => {
    const type = req.params.objectType as 'deals' | 'tickets'
    if (type !== 'deals' && type !== 'tickets')
      return hubspotError(400, 'VALIDATION_ERROR', `Pipelines are not supported for ${req.params.objectType}`)
    const results = (options.pipelines?.[type] ?? DEFAULT_PIPELINES[type]).map((pl, i) => ({
      id: pl.id,
      label: pl.label,
      displayOrder: i,
      archived: false,
      stages: pl.stages.map((s, n) => ({ id: s.id, label: s.label, displayOrder: n, archived: false, metadata: {} })),
    }))
    return json(200, { results })
  })
}
