/**
 * `validate` with a database named (`--db` / PIPEWRIGHT_DATABASE_URL) checks the connections'
 * `{ credential: name }` references against the credential store: a missing stored credential
 * is a warning naming the connection (and fails `--strict`); without a database they stay
 * unchecked. The secret never appears in what validate prints.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

const KEY = 'z8Xv1m3QeV0kqC2Pj6Hn4TtYb7RwLs9AaDfGhJkLmNo='
const SECRET = 'pat-na1-SECRET-5e1b07aa-c0de'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir('pw-validate-stored-')
  mkdirSync(join(tmp.dir, 'connections'))
  writeFileSync(join(tmp.dir, 'connections', 'hubspot.yaml'), 'id: hubspot:main\ncredential: { credential: hubspot-main }\n')
  mkdirSync(join(tmp.dir, 'pipelines'))
  writeFileSync(
    join(tmp.dir, 'pipelines', 'leads.yaml'),
    `id: leads\ntrigger: { webhook: { path: leads } }\nsteps:\n  - id: company\n    action: hubspot.companies.upsert\n    connection: main\n    with: { matchOn: domain, properties: { domain: '{{ event.domain }}' } }\n`,
  )
})
afterEach(() => tmp.cleanup())

async function run(argv: string[], env: Record<string, string> = {}, stdin = '') {
  const io = recordingIo(tmp.dir, env, stdin)
  const exit = await main(argv, io)
  const all = [...io.stdout, ...io.stderr].join('\n')
  expect(all).not.toContain(SECRET)
  return { exit, out: io.stdout.join('\n'), err: io.stderr.join('\n') }
}

describe('validate checks stored credentials when a database is named', () => {
  it.each([
    ['with the secret key (decrypted)', { PIPEWRIGHT_SECRET_KEY: KEY }],
    ['without the secret key (existence only)', {}],
  ])('%s: a missing stored credential warns and fails --strict; once added it passes', async (_name, keyEnv) => {
    const db = `sqlite:${join(tmp.dir, 'pw.db')}`
    // no database: the reference is assumed usable
    expect(await run(['validate', '--strict'], keyEnv)).toMatchObject({ exit: 0 })

    const missing = await run(['validate', '--strict', '--db', db], keyEnv)
    expect(missing.exit).toBe(1)
    expect(missing.err).toContain('hubspot:main')
    expect(missing.err).toContain('no stored credential "hubspot-main"')
    // the same through the environment variable
    expect((await run(['validate', '--strict'], { ...keyEnv, PIPEWRIGHT_DATABASE_URL: db })).exit).toBe(1)

    const added = await run(
      ['credentials', 'add', 'hubspot-main', '--service', 'hubspot', '--db', db],
      { PIPEWRIGHT_SECRET_KEY: KEY },
      `${SECRET}\n`,
    )
    expect(added.exit).toBe(0)
    const ok = await run(['validate', '--strict', '--db', db], keyEnv)
    expect(ok.err).toBe('')
    expect(ok.exit).toBe(0)
    expect(ok.out).toMatch(/^1 pipeline valid: leads@/)
  })
})
