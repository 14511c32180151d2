/**
 * `pipewright inventory` opens the credential store as the hub does: a connection naming a
 * stored credential is read with it (a private-app token, and a public OAuth app whose rotated
 * refresh token is written back); one whose credential is not stored is reported, not skipped;
 * credentials stored without PIPEWRIGHT_SECRET_KEY stop it with the key's name. No secret is
 * printed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

const TOKEN = 'pat-na1-stored-4d2e9a71'
const APP = { clientId: 'client-inv-1', clientSecret: 'client-secret-inv-8c1f', refreshToken: 'refresh-token-inv-0b7e' }
const KEY = 'aW52ZW50b3J5LXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc='
const hubspot = hubspotEmulator({ tokens: [TOKEN], oauth: { ...APP, rotateRefreshTokens: true } })
let tmp: ReturnType<typeof tempDir>

beforeAll(async () => {
  tmp = tempDir('pw-inventory-stored-')
  const url = await hubspot.listen({ host: '127.0.0.1', port: 0 })
  mkdirSync(join(tmp.dir, 'connections'))
  for (const [name, credential] of [
    ['main', 'hubspot-main'],
    ['app', 'hubspot-app'],
    ['gone', 'hubspot-gone'],
  ])
    writeFileSync(
      join(tmp.dir, 'connections', `hubspot-${name}.yaml`),
      `id: hubspot:${name}\ncredential: { credential: ${credential} }\nbaseUrl: ${url}\n`,
    )
})
afterAll(async () => {
  await hubspot.close()
  tmp.cleanup()
})

async function cli(argv: string[], env: Record<string, string> = { PIPEWRIGHT_SECRET_KEY: KEY }, stdin = '') {
  const io = recordingIo(tmp.dir, { PIPEWRIGHT_DATABASE_URL: `sqlite:${join(tmp.dir, 'pw.db')}`, ...env }, stdin)
  const code = await main(argv, io)
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') }
}

describe('inventory with stored credentials', () => {
  it('reads connections whose credentials are stored, reports the one that is not, and prints no secret', async () => {
    expect((await cli(['credentials', 'add', 'hubspot-main', '--service', 'hubspot'], undefined, TOKEN)).code).toBe(0)
    expect((await cli(['credentials', 'add', 'hubspot-app', '--service', 'hubspot'], undefined, JSON.stringify(APP))).code).toBe(0)

    const r = await cli(['inventory', 'hubspot'])
    expect(r.out).toMatch(/hubspot:app\s+\d+ objects?, \d+ propert/)
    expect(r.out).toMatch(/hubspot:main\s+\d+ objects?, \d+ propert/)
    expect(r.out).toMatch(/hubspot:gone\s+✗ not read: no stored credential "hubspot-gone"/)
    expect(r.code).toBe(1)
    // The app's refresh token was rotated by HubSpot during the read, and stored.
    const calls = hubspot.requests().filter((x) => x.path === '/oauth/v1/token')
    expect(calls).toHaveLength(1)
    const audit = await cli(['audit', '--json'])
    expect(JSON.parse(audit.out)).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'system:provider', target: 'credential:hubspot-app' })]),
    )
    // A second inventory uses the rotated token (HubSpot no longer takes the first).
    const again = await cli(['inventory', 'hubspot'])
    expect(again.out).toMatch(/hubspot:app\s+\d+ objects?/)
    const used = hubspot.requests().filter((x) => x.path === '/oauth/v1/token')
    expect(used.map((x) => x.status)).toEqual([200, 200])
    for (const out of [r, again, audit]) {
      const text = out.out + out.err
      for (const secret of [TOKEN, APP.clientSecret, APP.refreshToken]) expect(text).not.toContain(secret)
      expect(text).not.toMatch(/rt-\d+-/)
    }

    const keyless = await cli(['inventory', 'hubspot'], {})
    expect(keyless.code).not.toBe(0)
    expect(keyless.err).toContain('PIPEWRIGHT_SECRET_KEY is not set')
  })
})
