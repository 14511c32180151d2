/** Usage (`#/usage`): each connection's budgets in the current period. */
import { listUsage } from '../api/endpoints.js'
import type { UsageRow } from '../api/types.js'
import { DataTable } from '../components/data-table.js'
import { Loaded } from '../components/loaded.js'
import { count } from '../lib/format.js'
import { useResource } from '../lib/use-resource.js'

export function UsagePage() {
  const usage = useResource(listUsage, [])
  return (
    <>
      <h1 tabIndex={-1}>Usage</h1>
      <p class="muted">Budgets of each connection in the current period.</p>
      <Loaded resource={usage}>
        {(rows) => (
          <DataTable
            label="Budgets"
            columns={[
              'Connection',
              'Budget',
              'Period',
              { title: 'Used', num: true },
              { title: 'Limit', num: true },
              { title: 'Remaining', num: true },
              'Use',
            ]}
            rows={rows.map((u) => <BudgetRow key={`${u.connection}/${u.budget}/${u.period}`} row={u} />)}
            empty="No budgets are configured."
          />
        )}
      </Loaded>
    </>
  )
}

function BudgetRow({ row: u }: { row: UsageRow }) {
  const pct = u.limit ? Math.round((u.used / u.limit) * 100) : 0
  return (
    <tr class={u.level >= 95 ? 'hot' : u.level >= 70 ? 'warm' : undefined}>
      <td>{u.connection}</td>
      <td>{u.budget}</td>
      <td>{u.period}</td>
      <td class="num">{count(u.used)}</td>
      <td class="num">{count(u.limit)}</td>
      <td class="num">{count(u.remaining)}</td>
      <td>
        <progress max={u.limit || 1} value={Math.min(u.used, u.limit || 1)} aria-label={`${u.connection} ${u.budget}: ${pct} % used`} />{' '}
        {pct} %
      </td>
    </tr>
  )
}
