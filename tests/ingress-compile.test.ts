/**
 * Webhook trigger options are checked when pipelines load (`pipewright validate`, start-up):
 * a bad schema, split, retain or respond fails with a problem naming the file and field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../src/errors.js'
import { loadPipelineFile } from '../src/pipeline/load.js'

let dir = ''
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = ''
})

async function problemsOf(webhookYaml: string) {
  dir = mkdtempSync(join(tmpdir(), 'pw-compile-'))
  const file = join(dir, 'hook.yaml')
  writeFileSync(
    file,
    `id: hook\ntrigger:\n  webhook:\n${webhookYaml.replace(/^/gm, '    ')}\nsteps:\n  - { id: seen, map: { x: "{{ event.x }}" } }\n`,
  )
  try {
    const [p] = await loadPipelineFile(file, { env: {} })
    return { pipeline: p!, problems: [] as Array<{ file?: string; field?: string; message: string }> }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    return { pipeline: null, problems: e.problems }
  }
}

describe('webhook trigger compile checks', () => {
  it('fails a JSON Schema that cannot be used, naming the file and trigger.webhook.schema', async () => {
    const { problems } = await problemsOf('path: in\nschema: { type: object, properties: { email: { type: strng } } }')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ field: 'trigger.webhook.schema', file: expect.stringContaining('hook.yaml') })
    expect(problems[0]!.message).toMatch(/not a usable JSON Schema/)
  })

  it('refuses an unknown split and an empty deliveryIdPath', async () => {
    const a = await problemsOf('path: in\nsplit: rows')
    expect(a.problems).toEqual([
      expect.objectContaining({
        field: 'trigger.webhook.split',
        message: expect.stringContaining('split must be "hubspot", "array" or { deliveryIdPath'),
      }),
    ])
    const b = await problemsOf('path: in\nsplit: { deliveryIdPath: "data..id" }')
    expect(b.problems).toEqual([expect.objectContaining({ field: 'trigger.webhook.split.deliveryIdPath' })])
  })

  it('checks retain, redact and respond', async () => {
    const { problems } = await problemsOf(
      'path: in\nretain: { ttl: soon }\nredact: card.number\nrespond: { timeoutMs: 60000, status: 404 }',
    )
    expect(problems.map((p) => p.field).sort()).toEqual([
      'trigger.webhook.redact',
      'trigger.webhook.respond.status',
      'trigger.webhook.respond.timeoutMs',
      'trigger.webhook.retain.ttl',
    ])
  })

  it('compiles retain to milliseconds and a YAML respond body to an expression', async () => {
    const { pipeline, problems } = await problemsOf(
      'path: in\nretain: { ttl: 2d }\nrespond: { timeoutMs: 500, body: { got: "{{ seen.x }}" } }',
    )
    expect(problems).toEqual([])
    const opts = pipeline!.trigger.options as { retainMs: number; respond: { body: (s: object) => unknown } }
    expect(opts.retainMs).toBe(2 * 86_400_000)
    expect(await opts.respond.body({ event: {}, run: {}, seen: { x: 7 } })).toEqual({ got: 7 })
    const plain = await problemsOf('path: in\nretain: true')
    expect((plain.pipeline!.trigger.options as { retainMs: number }).retainMs).toBe(7 * 86_400_000)
  })
})
