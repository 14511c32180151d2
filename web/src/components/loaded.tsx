/** What a view shows for a resource: the failure, a loading line, or its content once loaded. */
import type { ComponentChildren } from 'preact'
import type { Resource } from '../lib/use-resource.js'

export function Loaded<T>({ resource, children }: { resource: Resource<T>; children: (data: T) => ComponentChildren }) {
  if (resource.error) return <p class="error-text">Could not load: {resource.error.message}</p>
  if (resource.data === undefined) return <p class="muted">Loading…</p>
  return <>{children(resource.data)}</>
}
