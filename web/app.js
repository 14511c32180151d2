// Pipewright dashboard: one ES module, no framework. Every value from the API reaches the page
// through text nodes or attributes set by `h()` — never through innerHTML — so data cannot
// inject markup. The API already redacts secrets; nothing here adds any.

const REFRESH_MS = 4000
const PAGE_SIZE = 25
const COUNT_CAP = 1000
const STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'filtered', 'dead']
const REASONS = ['retryable-exhausted', 'permanent', 'quota', 'circuit', 'timeout', 'invalid']
const FINISHED = ['succeeded', 'filtered', 'dead']

const $ = (id) => document.getElementById(id)

// ── DOM ─────────────────────────────────────────────────────────────────────────────────────
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value)
    else if (key === 'class') el.className = value
    else if (key === 'value') el.value = value
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat(Infinity))
    if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child))
  return el
}

const known = (list, value) => (list.includes(value) ? value : 'other')
const badge = (status) => h('span', { class: `badge s-${known([...STATUSES, 'failed', 'skipped'], status)}` }, status)
const reasonBadge = (reason) => h('span', { class: `badge r-${known(REASONS, reason)}` }, reason)
const runLink = (id) => h('a', { href: `#/runs/${encodeURIComponent(id)}`, class: 'mono' }, id)
const select = (id, label, options, current, onchange) =>
  h(
    'label',
    {},
    `${label} `,
    h(
      'select',
      { id, onchange: (e) => onchange(e.target.value) },
      options.map(([v, text]) => h('option', { value: v, selected: v === current }, text)),
    ),
  )
const button = (text, onclick, props = {}) => h('button', { type: 'button', onclick, ...props }, text)

function pre(value, max = 20_000) {
  let text = value === undefined ? '' : JSON.stringify(value, null, 2)
  if (text && text.length > max) text = `${text.slice(0, max)}\n… (${text.length - max} more characters)`
  return h('pre', { class: 'json' }, text ?? 'null')
}

function when(ms) {
  if (!ms) return ''
  const s = Math.round((Date.now() - ms) / 1000)
  const rel =
    s < 60
      ? `${Math.max(s, 0)} s ago`
      : s < 3600
        ? `${Math.round(s / 60)} min ago`
        : s < 86400
          ? `${Math.round(s / 3600)} h ago`
          : new Date(ms).toLocaleDateString()
  return h('time', { datetime: new Date(ms).toISOString(), title: new Date(ms).toLocaleString() }, rel)
}

function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return ''
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

const table = (headers, rows, empty) =>
  rows.length === 0
    ? h('p', { class: 'empty' }, empty)
    : h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            headers.map((t) => h('th', {}, t)),
          ),
        ),
        h('tbody', {}, rows),
      )

function notice(text, kind = 'info') {
  const el = $('notice')
  el.textContent = text
  el.className = `notice ${kind}`
  el.hidden = !text
}

// ── API ─────────────────────────────────────────────────────────────────────────────────────
class Unauthorized extends Error {}

// The token is never kept by the page: it is traded once for an HttpOnly, SameSite=Strict
// session cookie (POST /api/v1/session), which the browser then sends on its own.
async function api(path, body, method = body === undefined ? 'GET' : 'POST') {
  const headers = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (res.status === 401 && path !== '/session') {
    showTokenForm('')
    throw new Unauthorized('token required')
  }
  const data = await res.json().catch(() => null)
  if (!res.ok) throw new Error(data?.error?.message ?? `HTTP ${res.status}`)
  return data
}

const qs = (params) => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

function showTokenForm(message) {
  $('token-form').hidden = false
  $('token-error').textContent = message
  $('view').replaceChildren()
  $('token-input').focus()
}

// ── state shared by views ───────────────────────────────────────────────────────────────────
const state = {
  pipelines: null,
  runs: { status: '', pipeline: '', cursors: [] },
  dl: { reason: '', pipeline: '', from: 'failed-step', version: 'pinned' },
}

async function pipelines() {
  if (!state.pipelines) state.pipelines = (await api('/pipelines')).pipelines
  return state.pipelines
}
const pipelineOptions = async () => [['', 'All pipelines'], ...(await pipelines()).map((p) => [p.id, p.id])]

// ── runs ────────────────────────────────────────────────────────────────────────────────────
async function runsView(root) {
  const s = state.runs
  const body = h('div', { id: 'runs-body' })
  const restart = () => {
    s.cursors = []
    refresh()
  }
  root.append(
    h('h1', {}, 'Runs'),
    h(
      'div',
      { class: 'toolbar' },
      select('status-filter', 'Status', [['', 'All statuses'], ...STATUSES.map((x) => [x, x])], s.status, (v) => {
        s.status = v
        restart()
      }),
      select('pipeline-filter', 'Pipeline', await pipelineOptions(), s.pipeline, (v) => {
        s.pipeline = v
        restart()
      }),
    ),
    body,
  )
  async function refresh() {
    const before = s.cursors.at(-1)
    const { runs } = await api(`/runs${qs({ status: s.status, pipeline: s.pipeline, before, limit: PAGE_SIZE + 1 })}`)
    const page = runs.slice(0, PAGE_SIZE)
    const more = runs.length > PAGE_SIZE
    const rows = page.map((r) =>
      h(
        'tr',
        { 'data-run': r.id },
        h('td', {}, runLink(r.id)),
        h('td', {}, r.pipeline),
        h('td', {}, badge(r.status), r.waitReason ? h('span', { class: 'muted' }, ` ${r.waitReason}`) : ''),
        h('td', {}, r.step ?? ''),
        h('td', { class: 'num' }, r.attempt),
        h('td', {}, when(r.createdAt)),
        h('td', { class: 'num' }, r.finishedAt ? duration(r.finishedAt - r.createdAt) : ''),
        h('td', { class: 'err' }, r.error?.message ?? ''),
        h('td', {}, r.replayOf ? runLink(r.replayOf) : ''),
      ),
    )
    body.replaceChildren(
      table(['Run', 'Pipeline', 'Status', 'Step', 'Attempt', 'Created', 'Took', 'Error', 'Replay of'], rows, 'No runs match.'),
      h(
        'div',
        { class: 'pager' },
        button(
          '← Newer',
          () => {
            s.cursors.pop()
            refresh()
          },
          { disabled: s.cursors.length === 0 },
        ),
        h('span', { class: 'muted' }, `page ${s.cursors.length + 1}`),
        button(
          'Older →',
          () => {
            s.cursors.push(page.at(-1).id)
            refresh()
          },
          { disabled: !more },
        ),
      ),
    )
  }
  await refresh()
  return refresh
}

// ── run detail ──────────────────────────────────────────────────────────────────────────────
async function runView(root, id) {
  const body = h('div')
  root.append(h('p', {}, h('a', { href: '#/runs' }, '← All runs')), body)
  let finished = false
  async function refresh() {
    if (finished) return
    const { run, event, steps, deadLetter } = await api(`/runs/${encodeURIComponent(id)}`)
    finished = FINISHED.includes(run.status)
    body.replaceChildren(...renderRun(run, event, steps, deadLetter))
  }
  await refresh()
  return refresh
}

function renderRun(run, event, steps, dl) {
  const facts = [
    ['Pipeline', `${run.pipelineId} @ ${String(run.pipelineVersion).slice(0, 12)}`],
    ['Status', [badge(run.status), run.waitReason ? ` (${run.waitReason})` : '']],
    ['Current step', run.currentStep ?? '—'],
    ['Attempt', run.attempt],
    ['Created', when(run.createdAt)],
    ['Finished', run.finishedAt ? [when(run.finishedAt), ` · took ${duration(run.finishedAt - run.createdAt)}`] : '—'],
    ['Trigger', event ? `${event.trigger}${event.deliveryId ? ` · delivery ${event.deliveryId}` : ''}` : '—'],
  ]
  if (run.replayOf) facts.push(['Replay of', [runLink(run.replayOf), ` from ${run.replayFrom ?? 'trigger'}`]])
  if (dl?.replayedBy) facts.push(['Replayed as', runLink(dl.replayedBy)])
  const out = [
    h('h1', {}, 'Run ', h('span', { class: 'mono' }, run.id), ' ', badge(run.status)),
    h(
      'dl',
      { class: 'facts' },
      facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
  ]
  if (FINISHED.includes(run.status)) out.push(replayBar(run, dl))
  if (run.error) out.push(errorBox('Error', run.error))
  if (dl) {
    out.push(
      h(
        'section',
        { class: 'box dead' },
        h('h2', {}, 'Dead letter'),
        h(
          'p',
          {},
          reasonBadge(dl.reason),
          ` at step ${dl.stepId ?? '—'} after ${dl.attempts} attempt(s)`,
          dl.discardedAt ? ' · discarded' : '',
        ),
        dl.lastInput !== undefined && dl.lastInput !== null ? [h('h3', {}, 'Input of the failed step'), pre(dl.lastInput)] : '',
      ),
    )
  }
  out.push(h('h2', {}, 'Step trace'), stepTable(run, steps))
  out.push(h('h2', {}, 'Trigger payload'), pre(event?.payload))
  return out
}

function errorBox(title, e) {
  const line = [e.code, e.status ? `HTTP ${e.status}` : '', e.providerCode].filter(Boolean).join(' · ')
  return h(
    'section',
    { class: 'box error' },
    h('h2', {}, title),
    h('p', { class: 'err-msg' }, e.message),
    line ? h('p', { class: 'muted' }, line) : '',
    e.stack ? h('details', {}, h('summary', {}, 'Stack'), h('pre', {}, e.stack)) : '',
  )
}

function stepTable(run, steps) {
  const rows = steps.map((s) => stepRow(s.stepPath, s.status, s.attempts, s.finishedAt - s.startedAt, s.output, s.error))
  if (run.currentStep && !steps.some((s) => s.stepPath === run.currentStep) && run.status !== 'succeeded') {
    rows.push(stepRow(run.currentStep, run.status === 'dead' ? 'failed' : run.status, run.attempt, null, undefined, run.error))
  }
  return table(['Step', 'Status', 'Attempts', 'Took', 'Output'], rows, 'No step has run yet.')
}

function stepRow(path, status, attempts, took, output, error) {
  const preview = output === undefined ? '' : (JSON.stringify(output) ?? 'null')
  return h(
    'tr',
    { 'data-step': path },
    h('td', { class: 'mono' }, path),
    h('td', {}, badge(status)),
    h('td', { class: 'num' }, attempts),
    h('td', { class: 'num' }, duration(took)),
    h(
      'td',
      {},
      error ? h('div', { class: 'err' }, error.message) : '',
      preview
        ? h('details', {}, h('summary', { class: 'mono' }, preview.length > 80 ? `${preview.slice(0, 80)}…` : preview), pre(output))
        : '',
    ),
  )
}

function replayBar(run, dl) {
  const open = dl && !dl.replayedBy && !dl.discardedAt
  let version = 'pinned'
  const replay = async (from) => {
    const path = open ? `/dead-letters/${encodeURIComponent(run.id)}/replay` : `/runs/${encodeURIComponent(run.id)}/replay`
    const r = await act(() => api(path, { from, version }))
    if (!r) return
    const done = r.replayed?.[0]
    if (done) {
      navigate(`#/runs/${encodeURIComponent(done.newRunId)}`, `Replayed ${run.id} from ${from} as ${done.newRunId}.`)
    } else notice(`Not replayed: ${r.skipped?.[0]?.reason ?? 'unknown reason'}`, 'error')
  }
  return h(
    'div',
    { class: 'toolbar actions' },
    button('Replay from trigger', () => replay('trigger'), { id: 'replay-trigger' }),
    run.status === 'dead' ? button('Replay from failed step', () => replay('failed-step'), { id: 'replay-failed-step' }) : '',
    select(
      'replay-version',
      'Version',
      [
        ['pinned', 'pinned (as it ran)'],
        ['latest', 'latest'],
      ],
      version,
      (v) => {
        version = v
      },
    ),
    open ? button('Discard dead letter', () => discard(run.id), { class: 'danger', id: 'discard' }) : '',
  )
}

async function discard(runId) {
  if (!confirm(`Discard the dead letter of ${runId}? It will no longer be listed or replayable in bulk.`)) return
  if (await act(() => api(`/dead-letters/${encodeURIComponent(runId)}/discard`, {}))) {
    notice(`Discarded ${runId}.`)
    await show()
  }
}

/** Run a user action; report a failure in the notice bar instead of throwing. */
async function act(fn) {
  try {
    return await fn()
  } catch (err) {
    if (!(err instanceof Unauthorized)) notice(err.message, 'error')
    return null
  }
}

// ── dead letters ────────────────────────────────────────────────────────────────────────────
async function deadLettersView(root) {
  const s = state.dl
  const body = h('div', { id: 'dl-body' })
  const count = h('strong', { id: 'dl-count' })
  const bulk = button('Replay all matching', () => bulkReplay(), { id: 'bulk-replay' })
  const filter = () => ({ pipeline: s.pipeline || undefined, reason: s.reason || undefined })
  let matching = 0
  root.append(
    h('h1', {}, 'Dead letters'),
    h(
      'div',
      { class: 'toolbar' },
      select('reason-filter', 'Reason', [['', 'All reasons'], ...REASONS.map((r) => [r, r])], s.reason, (v) => {
        s.reason = v
        refresh()
      }),
      select('dl-pipeline-filter', 'Pipeline', await pipelineOptions(), s.pipeline, (v) => {
        s.pipeline = v
        refresh()
      }),
    ),
    h(
      'div',
      { class: 'toolbar bulk' },
      count,
      h('span', { class: 'muted' }, 'replay'),
      select(
        'bulk-from',
        'from',
        [
          ['failed-step', 'the failed step'],
          ['trigger', 'the trigger'],
        ],
        s.from,
        (v) => {
          s.from = v
        },
      ),
      select(
        'bulk-version',
        'version',
        [
          ['pinned', 'pinned'],
          ['latest', 'latest'],
        ],
        s.version,
        (v) => {
          s.version = v
        },
      ),
      bulk,
    ),
    body,
  )
  async function bulkReplay() {
    if (!matching || !confirm(`Replay ${matching} dead letter(s) from ${s.from === 'trigger' ? 'the trigger' : 'the failed step'}?`)) return
    const r = await act(() => api('/dead-letters/replay', { filter: filter(), from: s.from, version: s.version }))
    if (r) notice(`Replayed ${r.replayed.length} run(s)${r.skipped.length ? `; skipped ${r.skipped.length}: ${r.skipped[0].reason}` : ''}.`)
    await refresh()
  }
  async function refresh() {
    const { deadLetters } = await api(`/dead-letters${qs({ ...filter(), limit: COUNT_CAP })}`)
    matching = deadLetters.length
    count.textContent = `${matching >= COUNT_CAP ? `${COUNT_CAP}+` : matching} matching`
    bulk.textContent = `Replay ${matching >= COUNT_CAP ? `${COUNT_CAP}+` : matching} matching`
    bulk.disabled = matching === 0
    const rows = deadLetters.slice(0, 100).map((d) =>
      h(
        'tr',
        { 'data-run': d.runId },
        h('td', {}, runLink(d.runId)),
        h('td', {}, d.pipelineId),
        h('td', {}, reasonBadge(d.reason)),
        h('td', { class: 'mono' }, d.stepId ?? ''),
        h('td', { class: 'num' }, d.attempts),
        h('td', { class: 'err' }, d.error?.message ?? ''),
        h('td', {}, when(d.createdAt)),
        h(
          'td',
          { class: 'row-actions' },
          button('Replay', async () => {
            const r = await act(() => api(`/dead-letters/${encodeURIComponent(d.runId)}/replay`, { from: s.from, version: s.version }))
            if (r?.replayed?.[0]) notice(`Replayed ${d.runId} as ${r.replayed[0].newRunId}.`)
            await refresh()
          }),
          button('Discard', () => discard(d.runId), { class: 'danger' }),
        ),
      ),
    )
    body.replaceChildren(
      table(['Run', 'Pipeline', 'Reason', 'Step', 'Attempts', 'Error', 'Created', ''], rows, 'No dead letters. Nothing is stuck.'),
      matching > 100 ? h('p', { class: 'muted' }, `Showing the newest 100 of ${matching >= COUNT_CAP ? `${COUNT_CAP}+` : matching}.`) : '',
    )
  }
  await refresh()
  return refresh
}

// ── pipelines ───────────────────────────────────────────────────────────────────────────────
function triggerText(t) {
  if (t.kind === 'webhook') return `webhook · POST /hooks/${t.path}`
  if (t.kind === 'schedule') return `schedule · ${t.cron}${t.timezone ? ` (${t.timezone})` : ''}`
  return t.kind
}

async function pipelinesView(root) {
  state.pipelines = null
  const list = await pipelines()
  const showRuns = (id) => () => {
    state.runs = { status: '', pipeline: id, cursors: [] }
    navigate('#/runs')
  }
  root.append(
    h('h1', {}, 'Pipelines'),
    list.length === 0
      ? h('p', { class: 'empty' }, 'No pipelines are loaded. Add one under ./pipelines.')
      : h(
          'div',
          { class: 'cards' },
          list.map((p) =>
            h(
              'article',
              { class: 'card', 'data-pipeline': p.id },
              h('h2', {}, p.id, ' ', h('span', { class: 'muted mono' }, String(p.version).slice(0, 12))),
              p.description ? h('p', {}, p.description) : '',
              h('p', { class: 'trigger' }, triggerText(p.trigger)),
              h(
                'ol',
                { class: 'steps' },
                p.steps.map((st) => h('li', {}, h('span', { class: 'mono' }, st.id), ' ', h('span', { class: 'kind' }, st.kind))),
              ),
              button('Runs →', showRuns(p.id)),
            ),
          ),
        ),
  )
  return null
}

// ── usage ───────────────────────────────────────────────────────────────────────────────────
async function usageView(root) {
  const body = h('div')
  root.append(h('h1', {}, 'Usage'), h('p', { class: 'muted' }, 'Budgets of each connection in the current period.'), body)
  async function refresh() {
    const { usage } = await api('/usage')
    const rows = usage.map((u) =>
      h(
        'tr',
        { class: u.level >= 95 ? 'hot' : u.level >= 70 ? 'warm' : '' },
        h('td', {}, u.connection),
        h('td', {}, u.budget),
        h('td', {}, u.period),
        h('td', { class: 'num' }, Number(u.used).toLocaleString()),
        h('td', { class: 'num' }, Number(u.limit).toLocaleString()),
        h('td', { class: 'num' }, Number(u.remaining).toLocaleString()),
        h(
          'td',
          {},
          h('progress', { max: u.limit || 1, value: Math.min(u.used, u.limit || 1) }),
          ` ${u.limit ? Math.round((u.used / u.limit) * 100) : 0} %`,
        ),
      ),
    )
    body.replaceChildren(table(['Connection', 'Budget', 'Period', 'Used', 'Limit', 'Remaining', 'Use'], rows, 'No budgets are configured.'))
  }
  await refresh()
  return refresh
}

// ── routing and refresh ─────────────────────────────────────────────────────────────────────
const VIEWS = { runs: runsView, 'dead-letters': deadLettersView, pipelines: pipelinesView, usage: usageView }
let current = null
let generation = 0
let carried = ''

/** Go to another view, optionally with a message that survives the navigation. */
function navigate(hash, message = '') {
  if (location.hash === hash) {
    notice(message)
    show()
  } else {
    carried = message
    location.hash = hash
  }
}

async function show() {
  const [section = 'runs', id] = location.hash.replace(/^#\/?/, '').split('/')
  const name = VIEWS[section] ? section : 'runs'
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === name)
  const root = h('div', { class: `view view-${name}` })
  const mine = ++generation
  current = null
  try {
    const refresh = section === 'runs' && id ? await runView(root, decodeURIComponent(id)) : await VIEWS[name](root)
    if (mine !== generation) return
    $('token-form').hidden = true
    $('view').replaceChildren(root)
    current = refresh
    stamp()
  } catch (err) {
    if (mine === generation && !(err instanceof Unauthorized))
      $('view').replaceChildren(h('p', { class: 'error-text' }, `Could not load: ${err.message}`))
  }
  if ($('token-form').hidden) deadLetterBadge()
}

function stamp() {
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`
}

async function deadLetterBadge() {
  try {
    const { deadLetters } = await api('/dead-letters?limit=100')
    const el = $('dl-badge')
    el.textContent = deadLetters.length >= 100 ? '99+' : String(deadLetters.length)
    el.hidden = deadLetters.length === 0
  } catch {}
}

let ticking = false
async function tick() {
  if (ticking || !current || document.hidden || !$('auto-refresh').checked || !$('token-form').hidden) return
  ticking = true
  const mine = generation
  try {
    await current()
    if (mine === generation) stamp()
    await deadLetterBadge()
  } catch (err) {
    if (!(err instanceof Unauthorized)) notice(`Refresh failed: ${err.message}`, 'error')
  } finally {
    ticking = false
  }
}

$('token-form').addEventListener('submit', async (e) => {
  e.preventDefault()
  const value = $('token-input').value.trim()
  if (!value) return
  $('token-input').value = ''
  try {
    await api('/session', { token: value })
  } catch {
    $('token-error').textContent = 'That token was refused.'
    return
  }
  $('token-error').textContent = ''
  state.pipelines = null
  show()
})
window.addEventListener('hashchange', () => {
  notice(carried)
  carried = ''
  show()
})
setInterval(tick, REFRESH_MS)
show()
