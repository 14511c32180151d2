/**
 * The Airtable emulator's metadata API, as the vendor serves it: `GET /v0/meta/bases` →
 * `{bases:[{id,name,permissionLevel}]}` and `GET /v0/meta/bases/{baseId}/tables` →
 * `{tables:[{id,name,primaryFieldId,fields:[{id,name,type,options?}],views}]}`. Fields come
 * from a table's schema when it has one, else from the names its records use (as text).
 * Registered before the record routes (`/v0/meta/bases` would otherwise be a table "bases").
 * @module
 */
import { createHash } from 'node:crypto'
import type { EmulatorServer } from '../../sandbox/emulator.js'
import { json } from '../../sandbox/reply.js'
import type { AirtableState } from './emulator.js'
import type { FieldSpec } from './emulator-table.js'

const id = (prefix: string, ...parts: string[]) => `${prefix}${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 14)}`

const TYPES: Record<FieldSpec['type'], string> = {
  text: 'singleLineText',
  number: 'number',
  checkbox: 'checkbox',
  singleSelect: 'singleSelect',
  multipleSelects: 'multipleSelects',
  lastModifiedTime: 'lastModifiedTime',
}

export function registerAirtableMeta(emu: EmulatorServer<AirtableState>, names: Record<string, string> = {}): void {
  emu.route('GET', '/v0/meta/bases', (_req, ctx) =>
    json(200, {
      bases: [...ctx.state.bases.keys()].sort().map((b) => ({ id: b, name: names[b] ?? b, permissionLevel: 'create' })),
    }),
  )
  emu.route('GET', '/v0/meta/bases/:baseId/tables', (req, ctx) => {
    const base = ctx.state.bases.get(req.params.baseId!)
    if (!base)
      return json(403, {
        error: { type: 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND', message: 'Invalid permissions, or the requested model was not found.' },
      })
    const tables = [...base].map(([name, t]) => {
      const schema: Record<string, FieldSpec> = t.schema ?? {}
      const fieldNames = t.schema ? Object.keys(schema) : [...new Set(t.records.flatMap((r) => Object.keys(r.fields)))]
      const fields = fieldNames.map((f) => {
        const spec = schema[f]
        const type = spec ? TYPES[spec.type] : 'singleLineText'
        return {
          id: id('fld', req.params.baseId!, name, f),
          name: f,
          type,
          ...(spec?.options ? { options: { choices: spec.options.map((o) => ({ id: id('sel', name, f, o), name: o })) } } : {}),
        }
      })
      return {
        id: id('tbl', req.params.baseId!, name),
        name,
        primaryFieldId: fields[0]?.id ?? null,
        fields,
        views: [{ id: id('viw', req.params.baseId!, name), name: 'Grid view', type: 'grid' }],
      }
    })
    return json(200, { tables })
  })
}
