/**
 * `pipewright init`: a `pipelines/` folder with a first pipeline, ready for `pipewright dev --sandbox`.
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CliIo } from '../io.js'

const EXAMPLE = `# A first pipeline: POST JSON to http://127.0.0.1:4280/hooks/leads
id: leads
trigger:
  webhook:
    path: leads
    auth: { header: x-webhook-secret, secret: "\${LEADS_WEBHOOK_SECRET:-change-me}" }
steps:
  - id: lead
    map:
      email: "{{ $email(event.email) }}"
      domain: "{{ $domain(event.website ? event.website : event.email) }}"
      score: "{{ $score(event.intent, event.fit) }}"
  - id: has-email
    filter: "{{ lead.email != null }}"
  - id: deliver
    action: http.request
    with:
      url: "\${LEADS_TARGET_URL:-http://127.0.0.1:4399/leads}"
      method: POST
      body: "{{ lead }}"
`

export async function initCommand(io: CliIo): Promise<number> {
  const dir = join(io.cwd, 'pipelines')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'leads.yaml')
  if (existsSync(file)) {
    io.err(`${file} exists; nothing changed`)
    return 1
  }
  writeFileSync(file, EXAMPLE)
  io.out(`created pipelines/leads.yaml\nnext: npx pipewright validate && npx pipewright dev --sandbox`)
  return 0
}
