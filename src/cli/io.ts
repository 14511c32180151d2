/**
 * What a CLI command needs from the outside world, injectable so tests run commands in-process.
 * @module
 */
export interface CliIo {
  cwd: string
  env: Record<string, string | undefined>
  out: (text: string) => void
  err: (text: string) => void
  /** Read all of standard input (for `--event -`). */
  stdin: () => Promise<string>
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  untilSignal: () => Promise<void>
  /** Set when stderr is a terminal: raw writes (progress redrawn in place) and its width. */
  tty?: { write: (text: string) => void; columns: number }
}

/** A mistake in how the command was called (exit code 2), with a message that says how to call it. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * Output that survives a closed pipe: `pipewright dlq list | head` ends quietly when `head` has
 * read enough, instead of dying with an EPIPE stack trace. Installed once per process.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
      throw err
    })
  }
}

export function processIo(): CliIo {
  quietOnClosedPipe()
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    tty: process.stderr.isTTY ? { write: (t) => process.stderr.write(t), columns: process.stderr.columns || 80 } : undefined,
    stdin: async () => {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
    untilSignal: () =>
      new Promise((resolve) => {
        const done = () => {
          process.off('SIGINT', done)
          process.off('SIGTERM', done)
          resolve()
        }
        process.once('SIGINT', done)
        process.once('SIGTERM', done)
      }),
  }
}

/** Format rows as an aligned text table. */
export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)'
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)))
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n')
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '-'
  if (typeof v === 'number' && v > 1_000_000_000_000) return new Date(v).toISOString().replace('.000Z', 'Z')
  if (typeof v === 'object') return JSON.stringify(v)
  const s = String(v)
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
