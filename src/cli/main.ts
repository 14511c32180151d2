/**
 * The `pipewright` command. Each command is a thin shell over library functions that the
 * HTTP API uses too. `main(argv, io)` returns the exit code, so tests run it in-process.
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { formatProblem, isPipewrightError } from '../errors.js'
import { VERSION } from '../version.js'
import { registerCredentialsCommands } from './commands/credentials-register.js'
import { registerSyncCommands } from './commands/sync-register.js'
import { withEnvFile } from './env-file.js'
import { type CliIo, processIo, UsageError } from './io.js'

/**
 * Each command's module loads when that command runs: `pipewright start` reads neither the
 * sandbox's emulators nor the CSV import, the docs generator or the other commands' dependencies.
 */
const commands = {
  alerts: () => import('./commands/alerts.js'),
  demo: () => import('./commands/demo.js'),
  docs: () => import('./commands/docs.js'),
  governance: () => import('./commands/governance.js'),
  history: () => import('./commands/history.js'),
  import: () => import('./commands/import.js'),
  init: () => import('./commands/init.js'),
  inventory: () => import('./commands/inventory.js'),
  local: () => import('./commands/local.js'),
  ops: () => import('./commands/ops.js'),
  sandbox: () => import('./commands/sandbox.js'),
  serve: () => import('./commands/serve.js'),
  status: () => import('./commands/status.js'),
  test: () => import('./commands/test.js'),
}

const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'filtered', 'dead']
const DEAD_REASONS = ['retryable-exhausted', 'permanent', 'quota', 'circuit', 'timeout', 'invalid']

/** `--status a,b`: each state must be a run state. */
function statusList(value: string): string {
  const bad = value.split(',').filter((s) => !RUN_STATUSES.includes(s.trim()))
  if (bad.length) throw new InvalidArgumentError(`${bad.join(', ')} is not a run state; use ${RUN_STATUSES.join(', ')}`)
  return value
}
const choice = (flags: string, description: string, choices: string[], fallback?: string) => {
  const o = new Option(flags, description).choices(choices)
  return fallback === undefined ? o : o.default(fallback)
}

export async function main(argv: string[], given: CliIo = processIo()): Promise<number> {
  const io = withEnvFile(given)
  let code = 0
  const set = async (p: Promise<number>): Promise<void> => {
    code = await p
  }
  const program = new Command('pipewright')
    .description('Durable webhook pipelines for revenue and marketing operations')
    .version(VERSION, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError()

  const db = (c: Command) => c.option('--db <url>', 'database URL (default PIPEWRIGHT_DATABASE_URL or sqlite:.pipewright/pipewright.db)')
  const dir = (c: Command) => c.option('--dir <path>', 'pipelines directory (default: ./pipelines)')

  program
    .command('init')
    .description('create a first pipeline (TypeScript; --yaml for YAML), its test, .env and .env.example')
    .option('--yaml', 'write the pipeline in YAML instead of TypeScript')
    .action((o) => set(commands.init().then((m) => m.initCommand(io, o))))
  dir(
    db(program.command('validate'))
      .description('check every pipeline; one message per problem with file, step and field')
      .option('--strict', 'fail on warnings too (missing credentials); for CI')
      .option('--json', 'machine-readable output'),
  ).action((o) => set(commands.local().then((m) => m.validateCommand(io, o))))
  dir(
    db(program.command('run <pipeline>').description('run one event in-process and print the step trace; exit 1 unless the run succeeds')),
  )
    .option('--event <file|->', 'JSON event payload file, or - for standard input')
    .option('--sandbox', 'point connectors at local emulators')
    .option('--strict', 'with --sandbox: enforce the Slack channels, tokens and Airtable schema of sandbox.yaml')
    .option('--sandbox-config <file>', 'the --strict file (default sandbox.yaml)')
    .option('--max-wait <duration>', 'how long to wait for the run to finish', '60s')
    .option('--json', 'machine-readable output')
    .action((pipeline, o) => set(commands.local().then((m) => m.runCommand(io, pipeline, o))))

  for (const mode of ['start', 'dev', 'worker'] as const) {
    const c = dir(db(program.command(mode)))
      .description(
        mode === 'start'
          ? 'serve webhooks, the API and the dashboard, and execute runs'
          : mode === 'dev'
            ? 'like start, on loopback, reloading pipelines when files change'
            : 'execute runs only (distributed mode)',
      )
      .option('--host <host>', 'bind address (default PIPEWRIGHT_HOST or 127.0.0.1)')
      .option('--port <port>', 'port (default PIPEWRIGHT_PORT or 4280)')
      .option('--concurrency <n>', 'runs executing at once in this process', '64')
      .option('--lease-ms <ms>', 'run lease duration')
      .option('--shutdown-grace <duration>', 'how long runs in flight may finish after SIGTERM (default PIPEWRIGHT_SHUTDOWN_GRACE or 10s)')
    if (mode === 'start') c.option('--no-worker', 'API and ingress only; runs execute in `pipewright worker` processes')
    if (mode !== 'worker')
      c.option('--sandbox', 'point connectors at local emulators')
        .option('--strict', 'with --sandbox: enforce the Slack channels, tokens and Airtable schema of sandbox.yaml')
        .option('--sandbox-config <file>', 'the --strict file (default sandbox.yaml)')
    else c.option('--metrics-port <port>', 'serve /healthz, /readyz and /metrics on this port (default PIPEWRIGHT_METRICS_PORT)')
    c.action((o) => set(commands.serve().then((m) => m.serveCommand(io, mode, o))))
  }

  const runs = program.command('runs').description('inspect runs')
  db(
    runs
      .command('list')
      .option('--pipeline <id>')
      .option('--status <list>', 'comma-separated states', statusList)
      .option('--limit <n>', 'rows', '20')
      .option('--json'),
  ).action((o) => set(commands.history().then((m) => m.runsList(io, o))))
  db(runs.command('show <runId>').option('--json')).action((id, o) => set(commands.history().then((m) => m.runsShow(io, id, o))))
  db(runs.command('export').description('run results as CSV: status, error, event and last output per run'))
    .addOption(choice('--format <format>', 'output format', ['csv'], 'csv'))
    .option('--pipeline <id>')
    .option('--status <list>', 'comma-separated states', statusList)
    .option('--limit <n>', 'rows', '1000')
    .option('--steps', 'add one column per step output')
    .option('--out <file>', 'write to a file instead of standard output')
    .action((o) => set(commands.import().then((m) => m.runsExportCommand(io, o))))

  dir(
    db(
      program
        .command('import <pipeline> <file>')
        .description('start one run per CSV row (file or - for stdin); bad rows are reported with line numbers'),
    ),
  )
    .option('--id-column <name>', 'column used as delivery id: re-importing the same rows starts no new runs')
    .option('--delimiter <char>', 'field delimiter', ',')
    .option('--batch-size <n>', 'rows per store write', '200')
    .option('--no-worker', 'only queue the runs for a running `pipewright start`')
    .option('--sandbox', 'point connectors at local emulators')
    .option('--strict', 'with --sandbox: enforce the Slack channels, tokens and Airtable schema of sandbox.yaml')
    .option('--sandbox-config <file>', 'the --strict file (default sandbox.yaml)')
    .option('--max-wait <duration>', 'how long to wait for the runs to finish', '10m')
    .option('--json', 'machine-readable summary')
    .action((pipeline, file, o) => set(commands.import().then((m) => m.importCommand(io, pipeline, file, o))))
  dir(
    program
      .command('test [pipelines...]')
      .description('run the test cases in pipelines/<id>.cases/*.yaml|json offline against the sandbox'),
  )
    .option('--json', 'machine-readable results')
    .action((ids, o) => set(commands.test().then((m) => m.testCommand(io, ids, o))))

  const dlq = program.command('dlq').description('dead letters: inspect, replay, discard')
  db(
    dlq
      .command('list')
      .option('--pipeline <id>')
      .addOption(choice('--reason <reason>', 'why the runs died', DEAD_REASONS))
      .option('--all', 'include replayed and discarded')
      .option('--json'),
  ).action((o) => set(commands.history().then((m) => m.dlqList(io, o))))
  db(dlq.command('show <runId>').option('--json')).action((id, o) => set(commands.history().then((m) => m.dlqShow(io, id, o))))
  dir(db(dlq.command('replay [runIds...]')))
    .description('replay dead letters by id, or every one matching --pipeline/--reason/--step')
    .option('--pipeline <id>')
    .addOption(choice('--reason <reason>', 'why the runs died', DEAD_REASONS))
    .option('--step <stepId>')
    .addOption(choice('--from <from>', 'where the new run starts', ['trigger', 'failed-step'], 'trigger'))
    .addOption(choice('--version <version>', 'pipeline version to run', ['pinned', 'latest'], 'pinned'))
    .option('--dry-run', 'list what would be replayed; change nothing')
    .option('--json')
    .action((ids, o) => set(commands.history().then((m) => m.dlqReplay(io, ids, o))))
  db(dlq.command('discard <runIds...>')).action((ids, o) => set(commands.history().then((m) => m.dlqDiscard(io, ids, o))))

  const alerts = program.command('alerts').description('alert rules, incidents, tests and exports (alerts.yaml)')
  db(alerts.command('list').description('rules in force, channels and open incidents').option('--json')).action((o) =>
    set(commands.alerts().then((m) => m.alertsList(io, o))),
  )
  db(alerts.command('incidents').description('open incidents (--all: resolved too)'))
    .option('--all')
    .option('--rule <id>')
    .option('--limit <n>', 'rows', '50')
    .option('--json')
    .action((o) => set(commands.alerts().then((m) => m.alertsIncidents(io, o))))
  db(alerts.command('test <rule>').description('evaluate one rule now and send a test message through its channels'))
    .option('--no-send', 'only evaluate')
    .option('--json')
    .action((rule, o) => set(commands.alerts().then((m) => m.alertsTest(io, rule, o))))
  alerts
    .command('export')
    .description('the rules as a Prometheus alerting-rule file or a Grafana dashboard')
    .option('--prometheus', 'Prometheus rule file (YAML)')
    .option('--grafana', 'Grafana dashboard (JSON)')
    .option('--out <file>', 'write to a file instead of standard output')
    .action((o) => set(commands.alerts().then((m) => m.alertsExport(io, o))))

  dir(
    db(
      program.command('status').description('each pipeline, sync and connection: Active, Paused, Degraded or Failing (exit 1 if failing)'),
    ),
  )
    .option('--json')
    .action((o) => set(commands.status().then((m) => m.statusCommand(io, o))))
  registerSyncCommands(program, set, io)
  db(
    program
      .command('inventory [services...]')
      .description('read connected accounts’ structure (Airtable, HubSpot, Mailchimp, Make, Notion) for validate and docs'),
  )
    .option('--json')
    .action((services, o) => set(commands.inventory().then((m) => m.inventoryCommand(io, services, o))))
  registerCredentialsCommands(program, set, io)
  dir(db(program.command('docs').description('the hub README from live configuration and state (--check: exit 1 when --out is stale)')))
    .option('--out <file>', 'write to this file (e.g. HUB.md) instead of standard output')
    .option('--check', 'compare with --out instead of writing; exit 1 when it is stale (CI)')
    .option('--title <text>', 'the document title', 'Integration Hub')
    .action((o) => set(commands.docs().then((m) => m.docsCommand(io, o))))
  dir(db(program.command('pause <name>')))
    .description('pause a pipeline (events still stored, runs wait) or a sync (no passes) until resume')
    .option('--sync', 'the name is a sync (also found by its name in ./syncs)')
    .option('--syncs <path>', 'syncs directory (default: ./syncs)')
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--json')
    .action((id, o) => set(commands.governance().then((m) => m.pauseCommand(io, 'pause', id, o))))
  dir(db(program.command('resume <name>')))
    .description('resume a paused pipeline (the runs that waited start) or sync (its held passes run)')
    .option('--sync', 'the name is a sync (also found by its name in ./syncs)')
    .option('--syncs <path>', 'syncs directory (default: ./syncs)')
    .option('--json')
    .action((id, o) => set(commands.governance().then((m) => m.pauseCommand(io, 'resume', id, o))))
  db(program.command('paused').description('paused pipelines and syncs, who paused them and when').option('--json')).action((o) =>
    set(commands.governance().then((m) => m.pausedList(io, o))),
  )
  db(program.command('audit').description('operator actions: replay, discard, pause, resume, credential changes (who, when, what)'))
    .option('--action <action>')
    .option('--actor <actor>', 'e.g. token:ci or cli:ann')
    .option('--target <prefix>', 'e.g. pipeline:leads or run:')
    .option('--limit <n>', 'rows', '50')
    .option('--json')
    .action((o) => set(commands.governance().then((m) => m.auditCommand(io, o))))
  db(program.command('usage').description('connection budgets and usage').option('--json')).action((o) =>
    set(commands.ops().then((m) => m.usageCommand(io, o))),
  )
  program
    .command('sandbox')
    .description('serve every emulator; prints `<service> <base URL>` lines')
    .option('--port <port>', 'first port', '4301')
    .option('--json')
    .option('--strict', 'enforce the Slack channels, tokens and Airtable schema of sandbox.yaml')
    .option('--config <file>', 'the --strict file', undefined)
    .action((o) => set(commands.sandbox().then((m) => m.sandboxCommand(io, o))))
  program
    .command('demo')
    .description('run the demo pipelines end to end against the sandbox')
    .option('--exit', 'stop when the demo is done instead of serving')
    .option('--port <port>', 'port of the demo server', '0')
    .action((o) => set(commands.demo().then((m) => m.demoCommand(io, o))))
  dir(db(program.command('doctor').description('check the environment: Node, store, Redis, pipelines'))).action((o) =>
    set(commands.ops().then((m) => m.doctorCommand(io, o))),
  )

  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2
    if (e instanceof UsageError) {
      io.err(`pipewright: ${e.message}`)
      return 2
    }
    if (isPipewrightError(e) && Array.isArray(e.details)) {
      io.err(e.message.split('\n')[0]!)
      for (const p of e.details) io.err(`  - ${formatProblem(p)}`)
      return 1
    }
    io.err(`pipewright: ${(e as Error).message}`)
    return 1
  }
  return code
}
