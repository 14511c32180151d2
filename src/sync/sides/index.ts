/**
 * The side registry: every {@link SideKind} a sync definition may name (`hubspot:…`,
 * `postgres:…`, `memory:…`). A new kind is one file beside this one and one line here.
 * @module
 */
import type { SideKind } from '../side.js'
import { airtableSide } from './airtable.js'
import { folderSide } from './folder.js'
import { hubspotSide } from './hubspot.js'
import { mailchimpSide } from './mailchimp.js'
import { memorySide } from './memory.js'
import { notionSide } from './notion.js'
import { postgresSide } from './postgres.js'

/** Built-in side kinds by name. */
export function builtinSideKinds(): Map<string, SideKind<any>> {
  const kinds: SideKind<any>[] = [memorySide, postgresSide, hubspotSide, folderSide, notionSide, mailchimpSide, airtableSide]
  return new Map(kinds.map((k) => [k.kind, k]))
}
