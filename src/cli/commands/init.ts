/**
 * `pipewright init [--yaml]`: a project that runs on the first try. Writes a first pipeline
 * (TypeScript by default, YAML with `--yaml`), a test case for `pipewright test`, `.env` with a
 * generated webhook secret (read at start), `.env.example` listing every setting, and `.gitignore`
 * lines for what must not be committed. Existing files are kept; it says what it skipped.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { CliIo } from '../io.js'

const TS_PIPELINE = `/**
 * A first pipeline: a web form (or anything that can POST JSON) sends leads to
 * http://127.0.0.1:4280/hooks/leads; each is cleaned, scored, and announced in Slack.
 * Try it: \`npx pipewright dev --sandbox\`, then the curl line \`pipewright init\` printed.
 */
import { definePipeline, env, webhook } from 'pipewright'
import { slack } from 'pipewright/connectors'
import { normalize, score } from 'pipewright/transforms'

export default definePipeline({
  id: 'leads',
  description: 'Form leads → cleaned and scored → Slack',
  trigger: webhook({ path: 'leads', auth: { header: 'x-webhook-secret', secret: env('LEADS_WEBHOOK_SECRET') } }),
  steps: [
    {
      id: 'lead',
      map: ({ event }) => ({
        email: normalize.email(event.email),
        domain: normalize.domain(event.website ?? event.email),
        score: score(event.intent, event.fit),
      }),
    },
    { id: 'has-email', filter: ({ lead }) => lead.email !== null },
    { id: 'notify', action: slack.webhook({ text: ({ lead }) => \`New lead \${lead.email} from \${lead.domain} (score \${lead.score ?? 'n/a'})\` }) },
  ],
})
`

const YAML_PIPELINE = `# yaml-language-server: $schema=../node_modules/pipewright/schemas/pipeline.schema.json
# A first pipeline: a web form (or anything that can POST JSON) sends leads to
# http://127.0.0.1:4280/hooks/leads; each is cleaned, scored, and announced in Slack.
# Try it: \`npx pipewright dev --sandbox\`, then the curl line \`pipewright init\` printed.
id: leads
description: Form leads → cleaned and scored → Slack
trigger:
  webhook:
    path: leads
    auth: { header: x-webhook-secret, secret: "\${LEADS_WEBHOOK_SECRET}" }
steps:
  - id: lead
    map:
      email: "{{ $email(event.email) }}"
      domain: "{{ $domain(event.website ? event.website : event.email) }}"
      score: "{{ $score(event.intent, event.fit) }}"
  - id: has-email
    filter: "{{ lead.email != null }}"
  - id: notify
    action: slack.webhook
    with:
      text: "New lead {{ lead.email }} from {{ lead.domain }} (score {{ lead.score }})"
`

const CASES = `# \`npx pipewright test\` runs these offline against the sandbox (see docs/testing.md).
cases:
  - name: a lead with an e-mail is cleaned and announced in Slack
    event: { email: " Ann@Acme.com ", website: "https://www.acme.com", intent: 90, fit: 85 }
    expect:
      status: succeeded
      steps: { lead: { email: ann@acme.com, domain: acme.com } }
      effects: [{ service: slack, method: POST }]
  - name: a lead without a valid e-mail stops at the filter
    event: { email: "not an email" }
    expect:
      status: filtered
      effects: [{ service: slack, count: 0 }]
`

const ENV_EXAMPLE = `# Settings Pipewright reads at start: the environment first, then this project's .env
# (copy this file to .env; never commit .env). Every name: docs/configuration.md.

# The secret the sender puts in the x-webhook-secret header of POST /hooks/leads.
LEADS_WEBHOOK_SECRET=

# Slack incoming webhook for the leads pipeline (not needed with --sandbox).
SLACK_WEBHOOK_URL=

# Where runs are stored (default: sqlite:.pipewright/pipewright.db). postgres://… for Postgres.
# PIPEWRIGHT_DATABASE_URL=
# Redis for distributed workers and shared rate limits.
# PIPEWRIGHT_REDIS_URL=
# Address and port of the server (defaults 127.0.0.1 and 4280).
# PIPEWRIGHT_HOST=
# PIPEWRIGHT_PORT=
# Required for /api and the dashboard when PIPEWRIGHT_HOST is not loopback: openssl rand -hex 32
# PIPEWRIGHT_API_TOKEN=
# Encrypts stored credentials: openssl rand -hex 32
# PIPEWRIGHT_SECRET_KEY=
# OpenTelemetry traces of every run (off unless set): an OTLP/HTTP collector, e.g. http://localhost:4318
# OTEL_EXPORTER_OTLP_ENDPOINT=

# Connector credentials, as your pipelines need them:
# HUBSPOT_TOKEN=
# SLACK_BOT_TOKEN=
# AIRTABLE_TOKEN=
# NOTION_TOKEN=
# MAILCHIMP_API_KEY=
# SMTP_URL=
# CLAY_WEBHOOK_URL=
# CLAY_WEBHOOK_TOKEN=
`

/** Lines `.gitignore` must have: the secrets and the local database stay out of git. */
const IGNORED = ['.env', '.pipewright/']

export interface InitOptions {
  yaml?: boolean
}

export async function initCommand(io: CliIo, opts: InitOptions = {}): Promise<number> {
  const secret = randomBytes(18).toString('base64url')
  const files: Array<[path: string, content: string]> = [
    [opts.yaml ? 'pipelines/leads.yaml' : 'pipelines/leads.ts', opts.yaml ? YAML_PIPELINE : TS_PIPELINE],
    ['pipelines/leads.cases/first.yaml', CASES],
    ['.env.example', ENV_EXAMPLE],
    ['.env', `# Local settings and secrets; not committed (see .env.example for every name).\nLEADS_WEBHOOK_SECRET=${secret}\n`],
  ]
  const other = opts.yaml ? 'pipelines/leads.ts' : 'pipelines/leads.yaml'
  if (existsSync(join(io.cwd, other))) {
    io.err(`${other} exists: a second "leads" pipeline would clash with it; nothing changed`)
    return 1
  }
  const created: string[] = []
  for (const [rel, content] of files) {
    const path = join(io.cwd, rel)
    if (existsSync(path)) {
      io.out(`kept     ${rel} (exists)`)
      continue
    }
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, content, rel === '.env' ? { mode: 0o600 } : {})
    created.push(rel)
    io.out(`created  ${rel}`)
  }
  const gitignore = join(io.cwd, '.gitignore')
  const have = existsSync(gitignore)
    ? readFileSync(gitignore, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
    : []
  const missing = IGNORED.filter((l) => !have.includes(l) && !have.includes(l.replace(/\/$/, '')))
  if (missing.length) {
    const text = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : ''
    appendFileSync(gitignore, `${text && !text.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`)
    io.out(`updated  .gitignore (${missing.join(', ')})`)
  }
  if (created.length === 0) {
    io.out('nothing to create: the project is already set up')
    return 0
  }
  const key = created.includes('.env') ? secret : '<LEADS_WEBHOOK_SECRET from .env>'
  io.out(
    [
      '',
      'next:',
      '  npx pipewright validate',
      '  npx pipewright test',
      '  npx pipewright dev --sandbox        # serves http://127.0.0.1:4280 with local emulators',
      '',
      'then, in another terminal:',
      `  curl -i -X POST http://127.0.0.1:4280/hooks/leads -H 'content-type: application/json' -H 'x-webhook-secret: ${key}' \\`,
      `    -d '{"email":"Ann@Acme.com","website":"https://www.acme.com","intent":90,"fit":85}'`,
      '  npx pipewright runs list',
    ].join('\n'),
  )
  return 0
}
