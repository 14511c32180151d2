#!/usr/bin/env node
// Writes schemas/*.schema.json (JSON Schema for editors) from the zod schemas in dist/, after tsc,
// and grafana/pipewright-dashboard.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { pipelineJsonSchema } = await import(new URL('../dist/pipeline/schema.js', import.meta.url).href)
mkdirSync(join(root, 'schemas'), { recursive: true })
writeFileSync(join(root, 'schemas', 'pipeline.schema.json'), `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`)
const { connectionJsonSchema } = await import(new URL('../dist/connections/json-schema.js', import.meta.url).href)
writeFileSync(join(root, 'schemas', 'connection.schema.json'), `${JSON.stringify(connectionJsonSchema(), null, 2)}\n`)
const { syncJsonSchema } = await import(new URL('../dist/sync/json-schema.js', import.meta.url).href)
writeFileSync(join(root, 'schemas', 'sync.schema.json'), `${JSON.stringify(syncJsonSchema(), null, 2)}\n`)

// The Grafana dashboard for the default alert rules (`pipewright alerts export --grafana` makes one
// for your own alerts.yaml), shipped as a file to import or provision.
const { compileAlertsConfig } = await import(new URL('../dist/observe/alerts/config.js', import.meta.url).href)
const { grafanaDashboard } = await import(new URL('../dist/observe/alerts/export.js', import.meta.url).href)
mkdirSync(join(root, 'grafana'), { recursive: true })
writeFileSync(
  join(root, 'grafana', 'pipewright-dashboard.json'),
  `${JSON.stringify(grafanaDashboard(compileAlertsConfig({}, { env: {} })), null, 2)}\n`,
)
