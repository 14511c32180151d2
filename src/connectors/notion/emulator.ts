/**
 * The Notion emulator (API 2025-09-03): `GET /v1/databases/{id}` with `data_sources`,
 * `GET /v1/data_sources/{id}`, `POST /v1/data_sources/{id}/query` (filters, sorts, cursor
 * paging), the legacy `POST /v1/databases/{id}/query` for versions before 2025-09-03, and
 * pages (`POST /v1/pages`, `GET`/`PATCH /v1/pages/{id}`), and `POST /v1/search` (data sources or pages). Bodies are checked against the
 * official OpenAPI schemas (emulator-spec.ts) and property values against the data source's
 * schema; errors are `{object:'error', status, code, message, request_id}`. About 3 requests
 * per second (bursts of 9 per 3 s by default), then 429 `rate_limited` with Retry-After.
 * @module
 */
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { bearerToken, type EmulatorReply, type EmulatorRequest, header, json } from '../../sandbox/reply.js'
import { type BlockStore, createBlockRoutes, insertBlocks, planChildren } from './emulator-blocks.js'
import { checkValue, compileNotionFilter, NotionFault, type PropertySpec, plainValue, responseValue } from './emulator-props.js'
import { check, POST_PAGE_BODY, QUERY_BODY, SPEC_BODIES } from './emulator-spec.js'

export interface DataSourceState {
  id: string
  name: string
  databaseId: string
  properties: Record<string, PropertySpec & { id: string }>
}
export interface PageState {
  id: string
  parent: Record<string, unknown>
  dataSourceId?: string
  properties: Record<string, Record<string, unknown>>
  created_time: string
  last_edited_time: string
  in_trash: boolean
}
export interface NotionState extends BlockStore {
  databases: Map<string, { id: string; title: string; dataSources: string[] }>
  dataSources: Map<string, DataSourceState>
  pages: Map<string, PageState>
  seq: number
}

export interface NotionDatabaseSeed {
  title?: string
  dataSources: Record<string, { name: string; properties: Record<string, PropertySpec> }>
}

export interface NotionEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Accepted tokens; any non-empty Bearer token when absent. */
  tokens?: string[]
  /** Databases to serve. @defaultValue one "Leads" database ({@link DEFAULT_DATABASE_ID}) */
  databases?: Record<string, NotionDatabaseSeed>
  /** Requests allowed per 3-second window (an average of 3/s with bursts). @defaultValue 9 */
  burst?: number
}

export const DEFAULT_DATABASE_ID = '1f6e7d2a-0000-4000-8000-00000000d001'
export const DEFAULT_DATA_SOURCE_ID = '1f6e7d2a-0000-4000-8000-00000000d5d1'
export const DEFAULT_DATABASES: Record<string, NotionDatabaseSeed> = {
  [DEFAULT_DATABASE_ID]: {
    title: 'Leads',
    dataSources: {
      [DEFAULT_DATA_SOURCE_ID]: {
        name: 'Leads',
        properties: {
          Name: { type: 'title' },
          Email: { type: 'email' },
          Website: { type: 'url' },
          Phone: { type: 'phone_number' },
          Notes: { type: 'rich_text' },
          Score: { type: 'number' },
          Stage: { type: 'select', options: ['hot', 'warm', 'cold'] },
          Tags: { type: 'multi_select' },
          Status: { type: 'status', options: ['Not started', 'In progress', 'Done'] },
          Met: { type: 'date' },
          Qualified: { type: 'checkbox' },
          Company: { type: 'relation' },
        },
      },
    },
  },
}

export interface NotionEmulator extends EmulatorServer<NotionState> {
  pages(): PageState[]
}

const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(status, { object: 'error', status, code, message, request_id: 'emulator' }, headers)

export function notionEmulator(options: NotionEmulatorOptions = {}): NotionEmulator {
  const burst = options.burst ?? 9
  const seed = (): NotionState => {
    const state: NotionState = {
      databases: new Map(),
      dataSources: new Map(),
      pages: new Map(),
      seq: 0,
      blocks: new Map(),
      children: new Map(),
    }
    for (const [dbId, db] of Object.entries(options.databases ?? DEFAULT_DATABASES)) {
      state.databases.set(dbId, { id: dbId, title: db.title ?? 'Untitled', dataSources: Object.keys(db.dataSources) })
      for (const [dsId, ds] of Object.entries(db.dataSources)) {
        const properties = Object.fromEntries(
          Object.entries(ds.properties).map(([name, p], i) => [
            name,
            { ...structuredClone(p), id: p.type === 'title' ? 'title' : `p${i}` },
          ]),
        )
        state.dataSources.set(dsId, { id: dsId, name: ds.name, databaseId: dbId, properties })
      }
    }
    return state
  }
  const emu = createEmulator<NotionState>({
    service: 'notion',
    state: seed,
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: (_r, ms) =>
      error(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.', {
        'retry-after': String(Math.max(1, Math.ceil(ms / 1000))),
      }),
    serverError: (_r, status) =>
      status === 503
        ? error(503, 'service_unavailable', 'Notion is unavailable, please try again later.')
        : error(status, 'internal_server_error', 'Unexpected error occurred.'),
    notFound: (r) => error(400, 'invalid_request_url', `Invalid request URL: ${r.method} ${r.path}`),
  })
  const limiter = emu.limiter(burst, 3000)

  emu.use((req, ctx) => {
    const token = bearerToken(req)
    if (!token || (options.tokens && !options.tokens.includes(token))) return error(401, 'unauthorized', 'API token is invalid.')
    if (!header(req, 'notion-version'))
      return error(
        400,
        'missing_version',
        'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.',
      )
    const d = limiter.take(token, ctx.now)
    if (!d.allowed)
      return error(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.', {
        'retry-after': String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))),
      })
    return undefined
  })

  const route = (method: string, path: string, fn: (req: EmulatorRequest, state: NotionState, now: number) => EmulatorReply) =>
    emu.route(method, path, (req, ctx) => {
      try {
        return fn(req, ctx.state, ctx.now)
      } catch (e) {
        if (e instanceof NotionFault) return error(e.status, e.code, e.message)
        throw e
      }
    })
  const validate = (schema: Record<string, unknown>, body: unknown) => {
    if (typeof body !== 'object' || body === null) throw new NotionFault(400, 'invalid_json', 'Error parsing JSON body.')
    const problems = check(schema, body)
    if (problems.length) throw new NotionFault(400, 'validation_error', `body failed validation: ${problems.join(' ')}`)
  }
  const notFound = (kind: string, id: string) =>
    new NotionFault(
      404,
      'object_not_found',
      `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
    )
  const dataSource = (state: NotionState, id: string) =>
    state.dataSources.get(id) ??
    [...state.dataSources.values()].find((d) => d.id.replace(/-/g, '') === id.replace(/-/g, '')) ??
    (() => {
      throw notFound('data_source', id)
    })()
  const database = (state: NotionState, id: string) =>
    state.databases.get(id) ??
    [...state.databases.values()].find((d) => d.id.replace(/-/g, '') === id.replace(/-/g, '')) ??
    (() => {
      throw notFound('database', id)
    })()

  const pageJson = (p: PageState) => ({
    object: 'page',
    id: p.id,
    created_time: p.created_time,
    last_edited_time: p.last_edited_time,
    in_trash: p.in_trash,
    archived: p.in_trash,
    parent: p.parent,
    properties: p.properties,
    url: `https://www.notion.so/${p.id.replace(/-/g, '')}`,
  })

  const writeProps = (page: PageState, ds: DataSourceState | undefined, props: Record<string, unknown>) => {
    for (const [name, value] of Object.entries(props)) {
      const spec = ds
        ? (ds.properties[name] ?? Object.values(ds.properties).find((p) => p.id === name))
        : name === 'title'
          ? { type: 'title' as const, id: 'title' }
          : undefined
      if (!spec) throw new NotionFault(400, 'validation_error', `${name} is not a property that exists.`)
      checkValue(name, spec, value)
      const key = ds ? (Object.entries(ds.properties).find(([, p]) => p === spec)?.[0] ?? name) : 'title'
      page.properties[key] = responseValue(spec.id, spec, value as Record<string, unknown>)
    }
  }

  const query = (state: NotionState, ds: DataSourceState, body: Record<string, unknown>) => {
    const size = body.page_size === undefined ? 100 : Number(body.page_size)
    if (!Number.isInteger(size) || size < 1 || size > 100)
      throw new NotionFault(
        400,
        'validation_error',
        `body failed validation: body.page_size should be ≤ \`100\`, instead was \`${body.page_size}\`.`,
      )
    const keep = body.filter ? compileNotionFilter(body.filter) : () => true
    let rows = [...state.pages.values()].filter((p) => p.dataSourceId === ds.id && !p.in_trash && keep(p.properties, p))
    for (const s of [...((body.sorts as Array<Record<string, string>>) ?? [])].reverse()) {
      const dir = s.direction === 'descending' ? -1 : 1
      const val = (p: PageState) =>
        (s.timestamp ? (p as unknown as Record<string, string>)[s.timestamp] : plainValue(p.properties[s.property])) as
          | string
          | number
          | null
      rows = [...rows].sort((a, b) => {
        const x = val(a)
        const y = val(b)
        return x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -dir : dir
      })
    }
    let start = 0
    if (body.start_cursor !== undefined) {
      start = rows.findIndex((p) => p.id === body.start_cursor)
      if (start < 0)
        throw new NotionFault(
          400,
          'validation_error',
          `body failed validation: body.start_cursor should be a valid cursor, instead was \`"${body.start_cursor}"\`.`,
        )
    }
    const page = rows.slice(start, start + size)
    const next = rows[start + size]?.id ?? null
    return json(200, {
      object: 'list',
      results: page.map(pageJson),
      next_cursor: next,
      has_more: next !== null,
      type: 'page_or_data_source',
      page_or_data_source: {},
    })
  }

  // The cheapest authenticated call (`pipewright credentials test`).
  route('GET', '/v1/users/me', () =>
    json(200, { object: 'user', id: '00000000-0000-4000-8000-00000000b07', type: 'bot', name: 'Sandbox integration', bot: {} }),
  )
  route('GET', '/v1/databases/:id', (req, state) => {
    const db = database(state, req.params.id)
    return json(200, {
      object: 'database',
      id: db.id,
      title: [{ type: 'text', text: { content: db.title, link: null }, plain_text: db.title, href: null }],
      parent: { type: 'workspace', workspace: true },
      in_trash: false,
      is_inline: false,
      data_sources: db.dataSources.map((id) => ({ id, name: state.dataSources.get(id)?.name })),
    })
  })
  // Search, as the inventory uses it: the data sources shared with the integration (or pages), cursor-paged.
  route('POST', '/v1/search', (req, state) => {
    const body = (req.body ?? {}) as { filter?: { property?: string; value?: string }; start_cursor?: string; page_size?: number }
    const kind = body.filter?.property === 'object' ? body.filter.value : undefined
    if (kind !== undefined && kind !== 'data_source' && kind !== 'page')
      throw new NotionFault(400, 'validation_error', 'body failed validation: body.filter.value should be `page` or `data_source`.')
    const sources = [...state.dataSources.values()].map((d) => ({
      object: 'data_source',
      id: d.id,
      name: d.name,
      title: [{ type: 'text', text: { content: d.name, link: null }, plain_text: d.name, href: null }],
      parent: { type: 'database_id', database_id: d.databaseId },
    }))
    const pages = [...state.pages.values()]
      .filter((pg) => !pg.in_trash)
      .map((pg) => ({ object: 'page', id: pg.id, last_edited_time: pg.last_edited_time }))
    const all = kind === 'data_source' ? sources : kind === 'page' ? pages : [...sources, ...pages]
    const size = Math.min(Math.max(Number(body.page_size ?? 100), 1), 100)
    const start = body.start_cursor
      ? Math.max(
          0,
          all.findIndex((x) => x.id === body.start_cursor),
        )
      : 0
    const results = all.slice(start, start + size)
    const next = all[start + size]?.id ?? null
    return json(200, {
      object: 'list',
      results,
      next_cursor: next,
      has_more: next !== null,
      type: 'page_or_data_source',
      page_or_data_source: {},
    })
  })
  route('GET', '/v1/data_sources/:id', (req, state) => {
    const ds = dataSource(state, req.params.id)
    const properties = Object.fromEntries(
      Object.entries(ds.properties).map(([name, p]) => [
        name,
        { id: p.id, name, type: p.type, [p.type]: p.options ? { options: p.options.map((o) => ({ name: o })) } : {} },
      ]),
    )
    return json(200, {
      object: 'data_source',
      id: ds.id,
      name: ds.name,
      parent: { type: 'database_id', database_id: ds.databaseId },
      properties,
    })
  })
  route('POST', '/v1/data_sources/:id/query', (req, state) => {
    validate(QUERY_BODY, req.body ?? {})
    return query(state, dataSource(state, req.params.id), (req.body ?? {}) as Record<string, unknown>)
  })
  route('POST', '/v1/databases/:id/query', (req, state) => {
    if ((header(req, 'notion-version') ?? '') >= '2025-09-03')
      throw new NotionFault(
        400,
        'invalid_request_url',
        'Invalid request URL: databases/{id}/query is not available in Notion-Version 2025-09-03; use data_sources/{id}/query.',
      )
    const db = database(state, req.params.id)
    if (db.dataSources.length !== 1)
      throw new NotionFault(400, 'validation_error', 'Databases with multiple data sources are not supported in this API version.')
    validate(QUERY_BODY, req.body ?? {})
    return query(state, dataSource(state, db.dataSources[0]), (req.body ?? {}) as Record<string, unknown>)
  })
  const newId = () => {
    emu.state.seq++
    return `1f6e7d2a-0000-4000-8000-${emu.state.seq.toString(16).padStart(12, '0')}`
  }
  const blockHelpers = {
    newId,
    pageOf: (id: string) => {
      const p = emu.state.pages.get(id)
      return p && !p.in_trash ? p.id : null
    },
    touchPage: (pageId: string, at: string) => {
      const p = emu.state.pages.get(pageId)
      if (p) p.last_edited_time = at
    },
  }
  const blocks = createBlockRoutes(() => emu.state, blockHelpers)
  route('GET', '/v1/blocks/:id/children', (req) => blocks.list(req))
  route('PATCH', '/v1/blocks/:id/children', (req, _state, now) => blocks.append(req, now))
  route('GET', '/v1/blocks/:id', (req) => blocks.get(req))
  route('PATCH', '/v1/blocks/:id', (req, _state, now) => blocks.update(req, now))
  route('DELETE', '/v1/blocks/:id', (req, _state, now) => blocks.remove(req, now))

  route('POST', '/v1/pages', (req, state, now) => {
    validate(POST_PAGE_BODY, req.body)
    const planned =
      (req.body as { children?: unknown }).children === undefined ? [] : planChildren((req.body as { children?: unknown }).children)
    const body = req.body as { parent: Record<string, string>; properties: Record<string, unknown> }
    let ds: DataSourceState | undefined
    if (body.parent.data_source_id) ds = dataSource(state, body.parent.data_source_id)
    else if (body.parent.database_id) {
      const db = database(state, body.parent.database_id)
      if (db.dataSources.length !== 1)
        throw new NotionFault(400, 'validation_error', 'Database has multiple data sources; use a data_source_id parent.')
      ds = dataSource(state, db.dataSources[0])
    } else if (body.parent.page_id && !state.pages.has(body.parent.page_id)) throw notFound('page', body.parent.page_id)
    else if (!body.parent.page_id)
      throw new NotionFault(
        400,
        'validation_error',
        'body failed validation: body.parent should be a page, data source or database parent.',
      )
    const at = new Date(now).toISOString()
    state.seq++
    const id = `1f6e7d2a-0000-4000-8000-${state.seq.toString(16).padStart(12, '0')}`
    const parent = ds
      ? { type: 'data_source_id', data_source_id: ds.id, database_id: ds.databaseId }
      : { type: 'page_id', page_id: body.parent.page_id }
    const page: PageState = {
      id,
      parent,
      properties: {},
      created_time: at,
      last_edited_time: at,
      in_trash: false,
      ...(ds ? { dataSourceId: ds.id } : {}),
    }
    writeProps(page, ds, body.properties)
    state.pages.set(id, page)
    if (planned.length) insertBlocks(state, blockHelpers, id, id, planned, at)
    return json(200, pageJson(page))
  })
  route('GET', '/v1/pages/:id', (req, state) => {
    const p = state.pages.get(req.params.id)
    if (!p) throw notFound('page', req.params.id)
    return json(200, pageJson(p))
  })
  route('PATCH', '/v1/pages/:id', (req, state, now) => {
    validate(SPEC_BODIES['patch-page'], req.body ?? {})
    const p = state.pages.get(req.params.id)
    if (!p) throw notFound('page', req.params.id)
    const body = (req.body ?? {}) as { properties?: Record<string, unknown>; in_trash?: boolean; archived?: boolean }
    const draft = structuredClone(p)
    writeProps(draft, p.dataSourceId ? state.dataSources.get(p.dataSourceId) : undefined, body.properties ?? {})
    if (body.in_trash !== undefined || body.archived !== undefined) draft.in_trash = Boolean(body.in_trash ?? body.archived)
    draft.last_edited_time = new Date(now).toISOString()
    state.pages.set(p.id, draft)
    return json(200, pageJson(draft))
  })

  return Object.assign(emu, { pages: () => [...emu.state.pages.values()] })
}
