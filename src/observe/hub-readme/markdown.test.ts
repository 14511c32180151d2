import { describe, expect, it } from 'vitest'
import { anchor, cell, label, table, utcMinute } from './markdown.js'

describe('hub README markdown', () => {
  it('keeps a table whole whatever a cell holds', () => {
    expect(cell('a | b\nc')).toBe('a \\| b c')
    expect(cell(null)).toBe('–')
    expect(table(['x', 'y'], [['1|2', '']])).toBe('| x | y |\n| --- | --- |\n| 1\\|2 | – |')
  })
  it('escapes Mermaid labels so a name cannot break the diagram', () => {
    expect(label('say "hi" <b>')).toBe('"say #quot;hi#quot; #lt;b#gt;"')
  })
  it('anchors headings as GitHub does, and writes times to the minute in UTC', () => {
    expect(anchor('Pipeline clay-hubspot-slack')).toBe('pipeline-clay-hubspot-slack')
    expect(anchor('Connections and credentials')).toBe('connections-and-credentials')
    expect(utcMinute(Date.UTC(2026, 11, 7, 9, 30, 59))).toBe('2026-12-07 09:30 UTC')
  })
})
