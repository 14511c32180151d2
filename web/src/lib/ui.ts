/**
 * What every page may ask of the shell: show a notice, announce a change to screen readers, go to
 * another view, and the auto-refresh tick. The shell (app.tsx) provides it; pages read it with
 * useUi().
 */
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'

export type NoticeKind = 'info' | 'error'

export interface Ui {
  /** Show a message in the notice bar ('' clears it). */
  notify(text: string, kind?: NoticeKind): void
  /** Tell screen readers, politely, what changed (a live region nobody sees). */
  announce(text: string): void
  /** Go to `hash`; `message` is shown as a notice once the new view is there. */
  navigate(hash: string, message?: string): void
  /** A view finished loading fresh data (the header shows when). */
  refreshed(): void
  /** Counts up every refresh interval while auto-refresh is on and the tab is visible. */
  tick: number
}

export const UiContext = createContext<Ui>({
  notify: () => {},
  announce: () => {},
  navigate: (hash) => {
    location.hash = hash
  },
  refreshed: () => {},
  tick: 0,
})

export const useUi = (): Ui => useContext(UiContext)
