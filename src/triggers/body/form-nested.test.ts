import { describe, expect, it } from 'vitest'
import { nestFormPairs, splitKey } from './form-nested.js'

const nest = (body: string) => nestFormPairs(new URLSearchParams(body))

describe('nestFormPairs', () => {
  it('nests bracketed keys the way Mailchimp writes them', () => {
    const r = nest('type=profile&data%5Bemail%5D=ann%40acme.com&data%5Bmerges%5D%5BFNAME%5D=Ann&data%5Bmerges%5D%5BLNAME%5D=Lee&plain=1')
    expect(r).toEqual({
      value: { type: 'profile', data: { email: 'ann@acme.com', merges: { FNAME: 'Ann', LNAME: 'Lee' } }, plain: '1' },
    })
  })

  it('turns 0…n-1 keys and [] into arrays, and keeps repeated keys', () => {
    expect(nest('g[0][id]=a&g[0][name]=A&g[1][id]=b&tags[]=x&tags[]=y&k=1&k=2')).toEqual({
      value: { g: [{ id: 'a', name: 'A' }, { id: 'b' }], tags: ['x', 'y'], k: ['1', '2'] },
    })
  })

  it('refuses prototype keys, unbalanced brackets, too deep nesting and a key that is both value and object', () => {
    for (const bad of [
      '__proto__[x]=1',
      'a[constructor][prototype]=1',
      'a[b=1',
      'a=1&a[b]=2',
      `a${'[x]'.repeat(9)}=1`,
      'a[b]=1&a[b][c]=2',
    ]) {
      const r = nest(bad)
      expect('ok' in r && r.status, bad).toBe(400)
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it('splits keys into parts', () => {
    expect(splitKey('data[merges][FNAME]')).toEqual(['data', 'merges', 'FNAME'])
    expect(splitKey('tags[]')).toEqual(['tags', ''])
    expect(splitKey('[x]')).toBeNull()
    expect(splitKey('a[x]y')).toBeNull()
  })
})
