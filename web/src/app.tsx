/**
 * The shell: header with the page links and the dead-letter count, the sign-in form when the
 * server asks for a token, the notice bar, a polite live region, the auto-refresh tick, and the
 * current page (pages/index.ts). Pages reach the shell through useUi().
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { auth } from './api/auth.js'
import { onUnauthorized } from './api/client.js'
import { countDeadLetters } from './api/endpoints.js'
import { HealthSummary } from './components/health-summary.js'
import { count } from './lib/format.js'
import { useRoute } from './lib/router.js'
import { type NoticeKind, type Ui, UiContext } from './lib/ui.js'
import { useResource } from './lib/use-resource.js'
import { PAGES, pageFor } from './pages/index.js'

/** How often the view on screen is refreshed while auto-refresh is on. */
const REFRESH_MS = 4000

export function App() {
  const route = useRoute()
  const { entry, view: View, params } = pageFor(route.segments)
  const [notice, setNotice] = useState<{ text: string; kind: NoticeKind }>({ text: '', kind: 'info' })
  const [live, setLive] = useState({ text: '', n: 0 })
  const [signIn, setSignIn] = useState({ needed: false, error: '' })
  const [session, setSession] = useState(0)
  const [autoRefresh, setAutoRefresh] = useState(true)
  const [tick, setTick] = useState(0)
  const [updated, setUpdated] = useState('')
  const carried = useRef<string | null>(null)
  const hold = useRef({ autoRefresh, signIn })
  hold.current = { autoRefresh, signIn }

  useEffect(() => onUnauthorized((refused) => setSignIn({ needed: true, error: refused ? 'That token was refused.' : '' })), [])

  useEffect(() => {
    const timer = setInterval(() => {
      if (hold.current.autoRefresh && !document.hidden && !hold.current.signIn.needed) setTick((t) => t + 1)
    }, REFRESH_MS)
    return () => clearInterval(timer)
  }, [])

  // A notice belongs to the view it was shown on, unless a navigation carried it along.
  const routeKey = `${route.segments.join('/')}?${route.query}`
  useEffect(() => {
    setNotice({ text: carried.current ?? '', kind: 'info' })
    carried.current = null
  }, [routeKey])

  // A new page (not a new filter) moves focus to its heading, as a page load would.
  const pageKey = `${entry.path}/${params.join('/')}`
  const first = useRef(true)
  useEffect(() => {
    document.title = `${params.length ? `${entry.title} ${params.join(' ')}` : (entry.nav ?? entry.title)} · Pipewright`
    if (first.current) first.current = false
    else document.getElementById('main')?.focus()
  }, [pageKey])

  const ui = useMemo<Ui>(
    () => ({
      notify: (text, kind = 'info') => setNotice({ text, kind }),
      announce: (text) => setLive((l) => ({ text, n: l.n + 1 })),
      navigate: (hash, message = '') => {
        if (location.hash === hash) setNotice({ text: message, kind: 'info' })
        else {
          carried.current = message || null
          location.hash = hash
        }
      },
      refreshed: () => setUpdated(new Date().toLocaleTimeString()),
      tick,
    }),
    [tick],
  )

  const signedIn = () => {
    setSignIn({ needed: false, error: '' })
    setSession((s) => s + 1)
  }

  return (
    <UiContext.Provider value={ui}>
      <header class="top">
        <a class="brand" href="#/runs">
          Pipewright
        </a>
        <nav aria-label="Sections">
          {PAGES.filter((p) => p.nav).map((p) => (
            <a key={p.path} href={`#/${p.path}`} class={p === entry ? 'active' : undefined} aria-current={p === entry ? 'page' : undefined}>
              {p.nav}
              {p.path === 'dead-letters' && !signIn.needed ? <DeadLetterBadge key={session} /> : null}
            </a>
          ))}
        </nav>
        {signIn.needed ? null : <HealthSummary key={session} />}
        <div class="refresh">
          <label>
            <input type="checkbox" id="auto-refresh" checked={autoRefresh} onChange={(e) => setAutoRefresh(e.currentTarget.checked)} />{' '}
            auto-refresh
          </label>
          <span id="updated">{updated ? `updated ${updated}` : ''}</span>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {signIn.needed ? (
          <TokenForm error={signIn.error} onSaved={signedIn} />
        ) : (
          <>
            <div role="status" class="notice-region">
              {notice.text ? (
                <p id="notice" class={`notice ${notice.kind}`}>
                  {notice.text}
                </p>
              ) : null}
            </div>
            <div class={`view view-${entry.path}`}>
              <View key={`${session}:${pageKey}`} params={params} query={route.query} />
            </div>
          </>
        )}
      </main>
      <div id="live" class="visually-hidden" role="status" aria-atomic="true">
        <span key={live.n}>{live.text}</span>
      </div>
    </UiContext.Provider>
  )
}

/** How many dead letters wait, next to the Dead letters link (hidden at zero). */
function DeadLetterBadge() {
  const route = useRoute()
  const dead = useResource(() => countDeadLetters({}), [route.segments.join('/')])
  const n = dead.data?.count ?? 0
  if (n === 0) return <span id="dl-badge" class="badge" hidden />
  return (
    <span id="dl-badge" class="badge" title={`${count(n)} open dead letters`}>
      {n > 99 ? '99+' : String(n)}
    </span>
  )
}

function TokenForm({ error, onSaved }: { error: string; onSaved: () => void }) {
  const input = useRef<HTMLInputElement>(null)
  const [refused, setRefused] = useState('')
  useEffect(() => input.current?.focus(), [])
  const submit = async (e: Event) => {
    e.preventDefault()
    const value = input.current?.value.trim() ?? ''
    if (!value) return
    if (input.current) input.current.value = ''
    const ok = await auth.signIn(value).catch(() => false)
    if (!ok) {
      setRefused('That token was refused.')
      input.current?.focus()
      return
    }
    setRefused('')
    onSaved()
  }
  return (
    <form id="token-form" class="token" onSubmit={submit}>
      <h1>Sign in</h1>
      <p>
        This server asks for the API token (<code>PIPEWRIGHT_API_TOKEN</code>). It is exchanged once for a session cookie this page cannot
        read.
      </p>
      <label>
        API token <input ref={input} type="password" id="token-input" name="token" autoComplete="off" required />
      </label>{' '}
      <button type="submit">Sign in</button>{' '}
      <span id="token-error" class="error-text" role="alert">
        {refused || error}
      </span>
    </form>
  )
}
