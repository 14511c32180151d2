import { describe, expect, it } from 'vitest'
import { inside, parseFile, renderFile, slugify } from './files.js'

describe('markdown files with front matter', () => {
  it('parses front matter and body, and rewrites keys keeping comments and order', () => {
    const text = '---\n# owner: docs team\ntitle: Onboarding\ntags: [hr]\n---\n\n# Welcome\n'
    const f = parseFile(text, 'a.md')
    expect(f.data).toEqual({ title: 'Onboarding', tags: ['hr'] })
    expect(f.body).toBe('# Welcome\n')
    expect(renderFile(f, { pw_id: 'doc_1', tags: null }, undefined)).toBe(
      '---\n# owner: docs team\ntitle: Onboarding\npw_id: doc_1\n---\n\n# Welcome\n',
    )
    expect(renderFile(null, { title: 'New' }, 'Body\n')).toBe('---\ntitle: New\n---\n\nBody\n')
    expect(parseFile('no front matter\n', 'b.md')).toEqual({ data: {}, yaml: null, body: 'no front matter\n' })
  })

  it('names what is wrong with bad front matter, and refuses paths outside the folder', () => {
    expect(() => parseFile('---\ntitle: [unclosed\n---\nx', 'notes/bad.md')).toThrow(/notes\/bad\.md: front matter is not valid YAML/)
    expect(() => parseFile('---\n- a\n- b\n---\nx', 'list.md')).toThrow(/list\.md: front matter must be a YAML mapping/)
    expect(inside('/kb', 'a/b.md')).toBe('/kb/a/b.md')
    for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../../x.md']) expect(() => inside('/kb', bad)).toThrow(/outside the folder/)
  })

  it('makes file names from titles', () => {
    expect(slugify('Héllo, World: 2026 plan!')).toBe('hello-world-2026-plan')
    expect(slugify('  ')).toBe('untitled')
  })
})
