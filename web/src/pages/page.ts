/** What the shell hands every page. */
export interface PageProps {
  /** Path segments after the page's own (`#/runs/run_1` → ['run_1']). */
  params: string[]
  /** The route's query (`#/runs?status=dead`): filters that belong in the URL. */
  query: URLSearchParams
}
