/** A CLI io that records what a command prints, for running `main()` in-process. */
import type { CliIo } from '../../src/cli/io.js'

export type RecordingIo = CliIo & { stdout: string[]; stderr: string[] }

export function recordingIo(cwd: string, env: Record<string, string | undefined> = {}, stdin = ''): RecordingIo {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    cwd,
    env,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    stdin: async () => stdin,
    untilSignal: async () => {},
    stdout,
    stderr,
  }
}
