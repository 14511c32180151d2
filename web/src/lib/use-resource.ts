/**
 * Load data for a view, reload it when its inputs change, and refresh it on the shell's tick.
 * A slow answer never overwrites a newer one; a refresh never overlaps another; a failed
 * refresh keeps what is shown and says so in the notice bar.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { Unauthorized } from '../api/client.js'
import { useUi } from './ui.js'

export interface Resource<T> {
  data: T | undefined
  /** Set when the first load failed (nothing to show). */
  error: Error | undefined
  /** Load again now (after an action changed the data). */
  reload(): Promise<void>
}

export interface ResourceOptions<T> {
  /** Keep refreshing on the tick while this says so (e.g. until a run has finished). */
  poll?: (data: T) => boolean
  /** Called with the new and previous data after each refresh, to announce what changed. */
  onRefresh?: (next: T, previous: T) => void
}

export function useResource<T>(load: () => Promise<T>, deps: unknown[], options: ResourceOptions<T> = {}): Resource<T> {
  const ui = useUi()
  const [state, setState] = useState<{ data?: T; error?: Error }>({})
  const generation = useRef(0)
  const busy = useRef(false)
  const current = useRef<T | undefined>(undefined)
  const latest = useRef({ load, options, ui })
  latest.current = { load, options, ui }

  const run = async (background: boolean) => {
    if (background && busy.current) return
    const mine = ++generation.current
    busy.current = true
    const previous = current.current
    try {
      const data = await latest.current.load()
      if (mine !== generation.current) return
      current.current = data
      setState({ data })
      latest.current.ui.refreshed()
      if (background && previous !== undefined) latest.current.options.onRefresh?.(data, previous)
    } catch (err) {
      if (mine !== generation.current || err instanceof Unauthorized) return
      const error = err instanceof Error ? err : new Error(String(err))
      if (current.current !== undefined) latest.current.ui.notify(`Refresh failed: ${error.message}`, 'error')
      else setState({ error })
    } finally {
      if (mine === generation.current) busy.current = false
    }
  }

  useEffect(() => {
    current.current = undefined
    void run(false)
  }, deps)

  useEffect(() => {
    const data = current.current
    if (ui.tick === 0 || data === undefined) return
    if (latest.current.options.poll && !latest.current.options.poll(data)) return
    void run(true)
  }, [ui.tick])

  return { data: state.data, error: state.error, reload: () => run(false) }
}
