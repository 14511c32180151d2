/**
 * Every view of the dashboard. A route is `#/<path>` (and `#/<path>/<param>` when `detail` is
 * set); views with a `nav` title get a header link, in this order. To add a page, write
 * pages/<page>.tsx and add one line here (see web/README.md).
 */
import type { ComponentType } from 'preact'
import { AlertsPage } from './alerts.js'
import { AuditPage } from './audit.js'
import { ConnectionsPage } from './connections.js'
import { DeadLettersPage } from './dead-letters.js'
import type { PageProps } from './page.js'
import { PipelinesPage } from './pipelines.js'
import { RunPage } from './run.js'
import { RunsPage } from './runs.js'
import { SyncPage, SyncsPage } from './syncs.js'
import { UsagePage } from './usage.js'

export interface PageEntry {
  /** First path segment: `runs` for `#/runs`. */
  path: string
  /** Header link text and document title; pages without it are reached by links only. */
  nav?: string
  /** Title of the detail view, e.g. `Run` for `#/runs/<id>`. */
  title: string
  list: ComponentType<PageProps>
  /** The view for `#/<path>/<param>`, when the page has one. */
  detail?: ComponentType<PageProps>
}

export const PAGES: PageEntry[] = [
  { path: 'runs', nav: 'Runs', title: 'Runs', list: RunsPage, detail: RunPage },
  { path: 'dead-letters', nav: 'Dead letters', title: 'Dead letters', list: DeadLettersPage },
  { path: 'pipelines', nav: 'Pipelines', title: 'Pipelines', list: PipelinesPage },
  { path: 'usage', nav: 'Usage', title: 'Usage', list: UsagePage },
  { path: 'connections', nav: 'Connections', title: 'Connections', list: ConnectionsPage },
  { path: 'alerts', nav: 'Alerts', title: 'Alerts', list: AlertsPage },
  { path: 'syncs', nav: 'Syncs', title: 'Sync', list: SyncsPage, detail: SyncPage },
  { path: 'audit', nav: 'Audit', title: 'Audit log', list: AuditPage },
]

/** The page a route shows; unknown paths show the first page (Runs). */
export function pageFor(segments: string[]): { entry: PageEntry; view: ComponentType<PageProps>; params: string[] } {
  const entry = PAGES.find((p) => p.path === segments[0]) ?? PAGES[0]!
  const params = entry.path === segments[0] ? segments.slice(1) : []
  return { entry, view: params.length > 0 && entry.detail ? entry.detail : entry.list, params }
}
