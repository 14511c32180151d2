/**
 * Audience settings in the Mailchimp emulator: lists, merge fields and interest categories with
 * their interests (what `pipewright inventory` and member writes check against).
 * @module
 */
import { type EmulatorReply, type EmulatorRequest, json } from '../../sandbox/reply.js'
import { invalid, type MailchimpState, metaOf, nextId, notFound } from './emulator-state.js'

export function listJson(state: MailchimpState, id: string) {
  const members = [...(state.lists.get(id)?.values() ?? [])]
  const count = (status: string) => members.filter((m) => m.status === status).length
  return {
    id,
    web_id: 1,
    name: `List ${id}`,
    stats: {
      member_count: count('subscribed'),
      unsubscribe_count: count('unsubscribed'),
      cleaned_count: count('cleaned'),
      total_contacts: members.length,
    },
  }
}

export function getLists(state: MailchimpState, known: readonly string[] | undefined): EmulatorReply {
  const ids = [...new Set([...(known ?? []), ...state.lists.keys()])]
  return json(200, { lists: ids.map((id) => listJson(state, id)), total_items: ids.length, _links: [] })
}

export function getMergeFields(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
  const fields = metaOf(state, req.params.list!).mergeFields.map((f) => ({ ...f, list_id: req.params.list }))
  return json(200, { merge_fields: fields, list_id: req.params.list, total_items: fields.length, _links: [] })
}

export function addMergeField(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
  const body = (req.body ?? {}) as { tag?: unknown; name?: unknown; type?: unknown; required?: unknown; default_value?: unknown }
  if (typeof body.name !== 'string' || body.name === '') return invalid('name', 'This value should not be blank.')
  const types = ['text', 'number', 'address', 'phone', 'date', 'url', 'imageurl', 'radio', 'dropdown', 'birthday', 'zip']
  if (typeof body.type !== 'string' || !types.includes(body.type)) return invalid('type', `Value must be one of: ${types.join(', ')}`)
  const meta = metaOf(state, req.params.list!)
  const tag = (typeof body.tag === 'string' && body.tag ? body.tag : body.name)
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '')
    .slice(0, 10)
  if (meta.mergeFields.some((f) => f.tag === tag))
    return invalid('tag', `A Merge Field with the tag "${tag}" already exists for this list.`)
  const field = {
    merge_id: meta.mergeFields.length + 1,
    tag,
    name: body.name,
    type: body.type,
    required: body.required === true,
    default_value: typeof body.default_value === 'string' ? body.default_value : '',
    public: true,
  }
  meta.mergeFields.push(field)
  return json(200, { ...field, list_id: req.params.list })
}

export function getCategories(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
  const cats = [...metaOf(state, req.params.list!).categories.values()].map((c) => ({
    list_id: req.params.list,
    id: c.id,
    title: c.title,
    type: c.type,
  }))
  return json(200, { list_id: req.params.list, categories: cats, total_items: cats.length, _links: [] })
}

export function addCategory(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
  const body = (req.body ?? {}) as { title?: unknown; type?: unknown }
  if (typeof body.title !== 'string' || body.title === '') return invalid('title', 'This value should not be blank.')
  if (!['checkboxes', 'dropdown', 'radio', 'hidden'].includes(String(body.type)))
    return invalid('type', 'Value must be one of: checkboxes, dropdown, radio, hidden')
  const id = nextId(state)
  metaOf(state, req.params.list!).categories.set(id, { id, title: body.title, type: String(body.type), interests: new Map() })
  return json(200, { list_id: req.params.list, id, title: body.title, type: body.type })
}

export function getInterests(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
  const cat = metaOf(state, req.params.list!).categories.get(req.params.category!)
  if (!cat) return notFound()
  const interests = [...cat.interests.values()].map((i) => ({ ...i, category_id: cat.id, list_id: req.params.list, subscriber_count: '0' }))
  return json(200, { interests, list_id: req.params.list, category_id: cat.id, total_items: interests.length, _links: [] })
}

export function addInterest(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
  const cat = metaOf(state, req.params.list!).categories.get(req.params.category!)
  if (!cat) return notFound()
  const name = (req.body as { name?: unknown } | undefined)?.name
  if (typeof name !== 'string' || name === '') return invalid('name', 'This value should not be blank.')
  const id = nextId(state)
  const interest = { id, name, display_order: cat.interests.size + 1 }
  cat.interests.set(id, interest)
  return json(200, { ...interest, category_id: cat.id, list_id: req.params.list, subscriber_count: '0' })
}
