/** Run a user action; a failure becomes an error notice instead of an exception. */
import { Unauthorized } from '../api/client.js'
import type { Ui } from './ui.js'

export async function act<T>(ui: Pick<Ui, 'notify'>, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn()
  } catch (err) {
    if (!(err instanceof Unauthorized)) ui.notify(err instanceof Error ? err.message : String(err), 'error')
    return null
  }
}
