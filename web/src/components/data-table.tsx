/**
 * A table in a horizontally scrollable, keyboard-focusable frame (narrow screens scroll the table,
 * never the page), or a friendly line when there are no rows.
 */
import type { ComponentChildren } from 'preact'

export interface Column {
  title: string
  /** Right-aligned, tabular figures. */
  num?: boolean
  /** Read by screen readers only (e.g. a column of buttons). */
  hidden?: boolean
}

export function DataTable(props: {
  label: string
  columns: Array<string | Column>
  rows: ComponentChildren[]
  empty: string
  id?: string
}) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class="table-wrap" aria-label={props.label} tabIndex={0}>
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const col = typeof c === 'string' ? { title: c } : c
              return (
                <th key={col.title} scope="col" class={col.num ? 'num' : undefined}>
                  {col.hidden ? <span class="visually-hidden">{col.title}</span> : col.title}
                </th>
              )
            })}
          </tr>
        </thead>
        <tbody>{props.rows}</tbody>
      </table>
    </section>
  )
}
