/**
 * How the dashboard proves who it is to /api/v1: the token the person types is traded once for a
 * session cookie (`POST /api/v1/session`). The cookie is HttpOnly and SameSite=Strict: no script,
 * this page's included, can read it, and the page never keeps the token anywhere. Requests carry
 * the cookie on their own (same origin); `signOut` ends the session.
 */

async function session(method: 'POST' | 'DELETE', body: unknown): Promise<Response> {
  return fetch('/api/v1/session', {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  })
}

export const auth = {
  /** Headers that authenticate a request: none, the session cookie travels by itself. */
  headers(): Record<string, string> {
    return {}
  },
  /** Trade `token` for a session cookie; false when the server refused it. */
  async signIn(token: string): Promise<boolean> {
    const res = await session('POST', { token })
    return res.ok
  },
  async signOut(): Promise<void> {
    await session('DELETE', {})
  },
}
