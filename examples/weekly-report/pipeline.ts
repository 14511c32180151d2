/**
 * Recipe (c): every Monday at 08:00, list last week's leads from Airtable and e-mail a summary.
 * "Last week" is Monday to Monday (UTC) before the run's time (`event.now` overrides it, for
 * tests and manual re-runs). A missed tick fired later in the same week reports the same week.
 */
import { definePipeline, env, schedule } from 'pipewright'
import { airtable, email } from 'pipewright/connectors'

const DAY = 86_400_000

/** Monday 00:00 UTC of the week before `now`, and of the week of `now`. */
export function lastWeek(now: number): { since: string; until: string } {
  const d = new Date(now)
  const mondayThisWeek = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * DAY
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  return { since: iso(mondayThisWeek - 7 * DAY), until: iso(mondayThisWeek) }
}

export default definePipeline({
  id: 'weekly-report',
  description: "Monday 08:00: last week's Airtable leads → summary e-mail",
  trigger: schedule({ cron: '0 8 * * 1', timezone: 'UTC', missed: 'run-once' }),
  steps: [
    { id: 'week', map: ({ run, event }) => lastWeek(event?.now ?? run.createdAt) },
    {
      id: 'leads',
      action: airtable.records.list({
        base: env('AIRTABLE_BASE', 'appLeads'),
        table: 'Leads',
        all: true,
        // ISO dates compare as text: Created in [since, until).
        filterByFormula: ({ week }) => `AND({Created} >= '${week.since}', {Created} < '${week.until}')`,
        sort: [{ field: 'Created', direction: 'asc' }],
      }),
    },
    {
      id: 'summary',
      map: ({ leads, week }) => {
        const rows = leads.records.map((r: any) => r.fields)
        const bySource: Record<string, number> = {}
        for (const r of rows) bySource[r.Source ?? 'unknown'] = (bySource[r.Source ?? 'unknown'] ?? 0) + 1
        const lines = rows.map((r: any) => `- ${r.Created}  ${r.Name ?? ''} <${r.Email}>${r.Company ? ` (${r.Company})` : ''}`)
        const sources = Object.entries(bySource)
          .sort((a, b) => b[1] - a[1])
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ')
        return {
          count: rows.length,
          subject: `Leads ${week.since} – ${week.until}: ${rows.length}`,
          text: rows.length ? `${rows.length} new leads (${sources})\n\n${lines.join('\n')}` : 'No new leads last week.',
        }
      },
    },
    {
      id: 'send',
      action: email.send({
        to: env('REPORT_TO', 'sales@acme.test'),
        from: 'Pipewright <reports@acme.test>',
        subject: ({ summary }) => summary.subject,
        text: ({ summary }) => summary.text,
      }),
    },
  ],
})
