import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { WEB_API_SHAPES } from '../../src/connectors/slack/emulator-spec.js'

const SPEC = new URL('../../../shared/specs/slack/slack_web_openapi_v2.json', import.meta.url)

describe.skipIf(!existsSync(SPEC))('Slack emulator request shapes', () => {
  it('match the parameters of the official OpenAPI spec', () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string; type: string; required?: boolean }> }>>
    }
    for (const [method, shape] of Object.entries(WEB_API_SHAPES)) {
      const op = Object.values(spec.paths[`/${method}`])[0]
      const fromSpec = Object.fromEntries(
        op.parameters.filter((p) => p.in !== 'header').map((p) => [p.name, { type: p.type, ...(p.required ? { required: true } : {}) }]),
      )
      expect(shape.params, method).toEqual(fromSpec)
    }
  })
})
