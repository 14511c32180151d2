#!/usr/bin/env node
// Writes schemas/*.schema.json (JSON Schema for editors) from the zod schemas in dist/, after tsc.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { pipelineJsonSchema } = await import(new URL('../dist/pipeline/schema.js', import.meta.url).href)
mkdirSync(join(root, 'schemas'), { recursive: true })
writeFileSync(join(root, 'schemas', 'pipeline.schema.json'), `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`)
