/** A CLI io that records what a command prints, for running `main()` in-process. */
import type { CliIo } from '../../src/cli/io.js'
import { LOOPBACK_ENV } from './net.js'

export type RecordingIo = CliIo & { stdout: string[]; stderr: string[] }

/** `env` gets the suite's loopback opt-in (fixtures run on loopback); a test's own values win. */
export function recordingIo(cwd: string, env: Record<string, string | undefined> = {}, stdin = ''): RecordingIo {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    cwd,
    env: { ...LOOPBACK_ENV, ...env },
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    stdin: async () => stdin,
    untilSignal: async () => {},
    stdout,
    stderr,
  }
}
