/**
 * How the dashboard proves who it is to /api/v1: the bearer token the person typed, kept in this
 * tab's sessionStorage only (gone when the tab closes, never in localStorage, the page or a URL).
 * This is the one module to change when the server offers a cookie session instead.
 */
const TOKEN_KEY = 'pipewright.apiToken'

function storage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null // storage disabled: the token lives only as long as the page
  }
}

let inMemory: string | null = null

export const auth = {
  /** Headers that authenticate a request, if a token was given. */
  headers(): Record<string, string> {
    const token = storage()?.getItem(TOKEN_KEY) ?? inMemory
    return token ? { authorization: `Bearer ${token}` } : {}
  },
  hasToken(): boolean {
    return Boolean(storage()?.getItem(TOKEN_KEY) ?? inMemory)
  },
  save(token: string): void {
    const s = storage()
    if (s) s.setItem(TOKEN_KEY, token)
    else inMemory = token
  },
  forget(): void {
    storage()?.removeItem(TOKEN_KEY)
    inMemory = null
  },
}
