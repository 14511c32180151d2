/**
 * The `pipewright credentials …` command tree (registered from main.ts in one line); the
 * commands' module loads when one of them runs.
 * @module
 */
import type { Command } from 'commander'
import type { CliIo } from '../io.js'

const load = () => import('./credentials.js')

/** Register `credentials …` on the program (one line in main.ts). */
export function registerCredentialsCommands(program: Command, set: (p: Promise<number>) => Promise<void>, io: CliIo): void {
  const db = (c: Command) => c.option('--db <url>', 'database URL (default PIPEWRIGHT_DATABASE_URL or sqlite:.pipewright/pipewright.db)')
  const c = program
    .command('credentials')
    .description('encrypted credential store (PIPEWRIGHT_SECRET_KEY): add, list, rotate, remove, test')
  const secretIn = (cmd: Command) =>
    cmd
      .option('--from-env <var>', 'read the secret from this environment variable instead of standard input')
      .option('--rotate-by <date>', 'rotation reminder date (YYYY-MM-DD), or "never"')
      .option('--rotate-every <duration>', `rotation reminder from now, e.g. 60d (default ${90}d)`)
      .option('--json')
  db(secretIn(c.command('add <name>').description('store a secret (read from standard input) with its registry metadata')))
    .option('--service <id>', 'connector id the secret is for (hubspot, slack, …)')
    .option('--owner <who>', 'who owns and rotates it')
    .option('--scopes <list>', 'comma-separated scopes it was granted')
    .action((name, o) => set(load().then((m) => m.credentialsAdd(io, name, o))))
  db(
    c
      .command('list')
      .description('stored credentials: service, owner, scopes, created, rotate-by, used by (never secrets)')
      .option('--json'),
  ).action((o) => set(load().then((m) => m.credentialsList(io, o))))
  db(secretIn(c.command('rotate <name>').description('replace a secret (read from standard input); metadata kept'))).action((name, o) =>
    set(load().then((m) => m.credentialsRotate(io, name, o))),
  )
  db(c.command('remove <name>').description('delete a stored credential')).action((name, o) =>
    set(load().then((m) => m.credentialsRemove(io, name, o))),
  )
  db(
    c.command('test [names...]').description("call each service's cheapest authenticated endpoint with the stored secret").option('--json'),
  ).action((names, o) => set(load().then((m) => m.credentialsTest(io, names, o))))
  db(c.command('rotate-key').description('re-encrypt every credential under a new key (from PIPEWRIGHT_NEW_SECRET_KEY)'))
    .option('--from-env <var>', 'variable holding the new key', 'PIPEWRIGHT_NEW_SECRET_KEY')
    .action((o) => set(load().then((m) => m.credentialsRotateKey(io, o))))
}
