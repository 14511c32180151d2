/**
 * The Mailchimp emulator's state and the small shared pieces of its modules: members, list
 * settings (merge fields, interest categories, webhooks), batches, problem+json replies.
 * @module
 */
import { createHash } from 'node:crypto'
import type { EmulatorReply, EmulatorRequest } from '../../sandbox/reply.js'

export interface MemberState {
  id: string
  email_address: string
  unique_email_id: string
  status: string
  merge_fields: Record<string, unknown>
  interests: Record<string, boolean>
  tags: string[]
  list_id: string
  ip_signup: string
  ip_opt: string
  timestamp_signup: string
  timestamp_opt: string
  last_changed: string
  /** Epoch ms of the last change (sorting; `last_changed` keeps Mailchimp's whole seconds). */
  changedAt: number
}

export interface MergeFieldState {
  merge_id: number
  tag: string
  name: string
  type: string
  required: boolean
  default_value: string
  public: boolean
}

export interface InterestCategoryState {
  id: string
  title: string
  type: string
  interests: Map<string, { id: string; name: string; display_order: number }>
}

export interface WebhookState {
  id: string
  url: string
  events: Record<'subscribe' | 'unsubscribe' | 'profile' | 'cleaned' | 'upemail' | 'campaign', boolean>
  sources: Record<'user' | 'admin' | 'api', boolean>
}

export interface ListMeta {
  mergeFields: MergeFieldState[]
  categories: Map<string, InterestCategoryState>
  webhooks: Map<string, WebhookState>
}

export interface BatchOperation {
  method: string
  path: string
  params?: Record<string, unknown>
  body?: string
  operation_id?: string
}

export interface BatchState {
  id: string
  status: 'pending' | 'preprocessing' | 'started' | 'finalizing' | 'finished'
  operations: BatchOperation[]
  total_operations: number
  finished_operations: number
  errored_operations: number
  submitted_at: string
  completed_at: string
  results: Array<{ status_code: number; operation_id: string | null; response: string }>
}

export interface MailchimpState {
  /** list id → subscriber hash → member */
  lists: Map<string, Map<string, MemberState>>
  meta: Map<string, ListMeta>
  batches: Map<string, BatchState>
  seq: number
}

export const PROBLEM_TYPE = 'https://mailchimp.com/developer/marketing/docs/errors/'
export const STATUSES = ['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional']

export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): EmulatorReply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    body: { type: PROBLEM_TYPE, title, status, detail, instance: '00000000-0000-4000-8000-000000000000', ...extra },
  }
}

export const notFound = () => problem(404, 'Resource Not Found', 'The requested resource could not be found.')

export function invalid(field: string, message: string): EmulatorReply {
  return problem(
    400,
    'Invalid Resource',
    "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
    {
      errors: [{ field, message }],
    },
  )
}

export const md5 = (s: string) => createHash('md5').update(s.trim().toLowerCase()).digest('hex')

/** Mailchimp's timestamps: ISO 8601 to the second with `+00:00`. */
export function mcTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`
}

export function emptyState(): MailchimpState {
  return { lists: new Map(), meta: new Map(), batches: new Map(), seq: 0 }
}

const DEFAULT_MERGE_FIELDS: Array<[string, string, string]> = [
  ['FNAME', 'First Name', 'text'],
  ['LNAME', 'Last Name', 'text'],
  ['ADDRESS', 'Address', 'address'],
  ['PHONE', 'Phone Number', 'phone'],
  ['BIRTHDAY', 'Birthday', 'birthday'],
]

export function metaOf(state: MailchimpState, listId: string): ListMeta {
  let m = state.meta.get(listId)
  if (!m) {
    m = {
      mergeFields: DEFAULT_MERGE_FIELDS.map(([tag, name, type], i) => ({
        merge_id: i + 1,
        tag,
        name,
        type,
        required: false,
        default_value: '',
        public: true,
      })),
      categories: new Map(),
      webhooks: new Map(),
    }
    state.meta.set(listId, m)
  }
  return m
}

export function membersOf(state: MailchimpState, listId: string): Map<string, MemberState> {
  let l = state.lists.get(listId)
  if (!l) {
    l = new Map()
    state.lists.set(listId, l)
  }
  metaOf(state, listId)
  return l
}

/** A short hex id, as Mailchimp's list, webhook and interest ids look. */
export function nextId(state: MailchimpState, length = 10): string {
  state.seq++
  return createHash('md5').update(`emulator:${state.seq}`).digest('hex').slice(0, length)
}

export type Handler = (req: EmulatorRequest, state: MailchimpState, now: number) => EmulatorReply | Promise<EmulatorReply>
