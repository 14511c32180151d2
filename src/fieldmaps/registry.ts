/**
 * The field-map registry: the standard Contact and Company (the shape every recipe speaks) and,
 * per connector, the name and type each standard field has there. `mapFields` (map.ts) reads it;
 * `validate` (validate.ts) checks pipelines' maps against it.
 * @module
 */
import { CONSENT_STATES } from '../consent/types.js'

/** How a value is written at the destination. */
export type FieldType = 'string' | 'email' | 'number' | 'boolean' | 'date' | 'datetime' | 'epoch-ms' | 'enum'

export type StandardObject = 'contact' | 'company'

export interface StandardField {
  type: FieldType
  required?: boolean
  /** Allowed values of an enum field. */
  values?: readonly string[]
}

/**
 * A contact's sales status. It says nothing about consent: no map derives a mailing status from
 * it (a lead is not an opt-in). Consent is the separate `consent` field (docs/consent.md).
 */
export const CONTACT_STATUSES = ['lead', 'qualified', 'customer', 'unsubscribed'] as const
export const COMPANY_STATUSES = ['prospect', 'customer', 'churned'] as const

/** The standard objects: one name per field, whatever the platform calls it. */
export const STANDARD_OBJECTS: Record<StandardObject, Record<string, StandardField>> = {
  contact: {
    email: { type: 'email', required: true },
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    company: { type: 'string' },
    status: { type: 'enum', values: CONTACT_STATUSES },
    /** Recorded marketing consent: the only field a mailing status is written from. */
    consent: { type: 'enum', values: CONSENT_STATES },
    createdAt: { type: 'datetime' },
  },
  company: {
    name: { type: 'string', required: true },
    domain: { type: 'string' },
    employees: { type: 'number' },
    status: { type: 'enum', values: COMPANY_STATUSES },
    createdAt: { type: 'datetime' },
  },
}

/** Where one standard field goes on a platform. `name` may be a dot path (`merge_fields.FNAME`). */
export interface ConnectorField {
  name: string
  type: FieldType
  /** Standard enum value → the platform's value. */
  values?: Record<string, string>
  /** Platform values that read back as absent (Mailchimp's `archived` is no consent). */
  ignore?: readonly string[]
}

export interface ConnectorObjectFields {
  /** Standard field → platform field. */
  fields: Record<string, ConnectorField>
  /** Every field the platform declares for the object, with its type (custom maps may use these). */
  declared: Record<string, FieldType>
  /** True when any field name is accepted (Airtable columns, CSV headers are the user's). */
  open: boolean
}

const hubspotContact: Record<string, ConnectorField> = {
  email: { name: 'email', type: 'email' },
  firstName: { name: 'firstname', type: 'string' },
  lastName: { name: 'lastname', type: 'string' },
  company: { name: 'company', type: 'string' },
  status: {
    name: 'hs_lead_status',
    type: 'enum',
    values: { lead: 'NEW', qualified: 'OPEN', customer: 'CONNECTED', unsubscribed: 'UNQUALIFIED' },
  },
  createdAt: { name: 'createdate', type: 'datetime' },
}
const hubspotCompany: Record<string, ConnectorField> = {
  name: { name: 'name', type: 'string' },
  domain: { name: 'domain', type: 'string' },
  employees: { name: 'numberofemployees', type: 'number' },
  status: { name: 'lifecyclestage', type: 'enum', values: { prospect: 'lead', customer: 'customer', churned: 'other' } },
  createdAt: { name: 'createdate', type: 'datetime' },
}

function declaredOf(fields: Record<string, ConnectorField>, extra: Record<string, FieldType> = {}): Record<string, FieldType> {
  return { ...Object.fromEntries(Object.values(fields).map((f) => [f.name, f.type])), ...extra }
}

function columns(names: Record<string, string>, types: Partial<Record<string, FieldType>> = {}): Record<string, ConnectorField> {
  const out: Record<string, ConnectorField> = {}
  for (const [std, name] of Object.entries(names)) out[std] = { name, type: types[std] ?? 'string' }
  return out
}

const airtableContact = columns(
  {
    email: 'Email',
    firstName: 'First Name',
    lastName: 'Last Name',
    company: 'Company',
    status: 'Status',
    consent: 'Consent',
    createdAt: 'Created',
  },
  { email: 'email', createdAt: 'date' },
)
const airtableCompany = columns(
  { name: 'Name', domain: 'Domain', employees: 'Employees', status: 'Status', createdAt: 'Created' },
  { employees: 'number', createdAt: 'date' },
)
const notionContact = columns(
  {
    email: 'Email',
    firstName: 'First name',
    lastName: 'Last name',
    company: 'Company',
    status: 'Status',
    consent: 'Consent',
    createdAt: 'Created',
  },
  { email: 'email', createdAt: 'date' },
)
const notionCompany = columns(
  { name: 'Name', domain: 'Domain', employees: 'Employees', status: 'Status', createdAt: 'Created' },
  { employees: 'number', createdAt: 'date' },
)
const mailchimpContact: Record<string, ConnectorField> = {
  email: { name: 'email_address', type: 'email' },
  firstName: { name: 'merge_fields.FNAME', type: 'string' },
  lastName: { name: 'merge_fields.LNAME', type: 'string' },
  company: { name: 'merge_fields.COMPANY', type: 'string' },
  // The mailing status comes from recorded consent only, never from `status` (a lead status).
  consent: { name: 'status', type: 'enum', values: { 'transactional-only': 'transactional' }, ignore: ['archived'] },
  createdAt: { name: 'timestamp_signup', type: 'datetime' },
}
const csvContact = columns(
  {
    email: 'email',
    firstName: 'first_name',
    lastName: 'last_name',
    company: 'company',
    status: 'status',
    consent: 'consent',
    createdAt: 'created_at',
  },
  { email: 'email', createdAt: 'datetime' },
)
const csvCompany = columns(
  { name: 'name', domain: 'domain', employees: 'employees', status: 'status', createdAt: 'created_at' },
  { employees: 'number', createdAt: 'datetime' },
)

/** Per connector, per standard object: names and types. */
export const CONNECTOR_FIELDS: Record<string, Partial<Record<StandardObject, ConnectorObjectFields>>> = {
  hubspot: {
    contact: {
      fields: hubspotContact,
      declared: declaredOf(hubspotContact, { phone: 'string', jobtitle: 'string', lifecyclestage: 'string', website: 'string' }),
      open: false,
    },
    company: {
      fields: hubspotCompany,
      declared: declaredOf(hubspotCompany, { industry: 'string', phone: 'string', city: 'string', country: 'string' }),
      open: false,
    },
  },
  airtable: {
    contact: { fields: airtableContact, declared: declaredOf(airtableContact), open: true },
    company: { fields: airtableCompany, declared: declaredOf(airtableCompany), open: true },
  },
  notion: {
    contact: { fields: notionContact, declared: declaredOf(notionContact), open: true },
    company: { fields: notionCompany, declared: declaredOf(notionCompany), open: true },
  },
  mailchimp: {
    contact: {
      fields: mailchimpContact,
      declared: declaredOf(mailchimpContact, { 'merge_fields.PHONE': 'string', tags: 'string', language: 'string' }),
      open: false,
    },
  },
  csv: {
    contact: { fields: csvContact, declared: declaredOf(csvContact), open: true },
    company: { fields: csvCompany, declared: declaredOf(csvCompany), open: true },
  },
}

/** The fields of `object` on `connector`, or a message saying what exists. */
export function tryGetObjectFields(object: string, connector: string): ConnectorObjectFields | string {
  if (!(object in STANDARD_OBJECTS)) return `unknown standard object "${object}"; known: ${Object.keys(STANDARD_OBJECTS).join(', ')}`
  const c = CONNECTOR_FIELDS[connector]
  if (!c) return `no field map for connector "${connector}"; known: ${Object.keys(CONNECTOR_FIELDS).join(', ')}`
  const o = c[object as StandardObject]
  if (!o) return `connector ${connector} has no ${object} field map; it maps ${Object.keys(c).join(', ')}`
  return o
}
