/** A CLI io that records what a command prints, for running `main()` in-process. */
import { execFile } from 'node:child_process'
import type { CliIo } from '../../src/cli/io.js'
import { LOOPBACK_ENV } from './net.js'
import { BIN } from './process.js'

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

/** Runs the real `pipewright` binary in `cwd` to its end (loopback opt-in; `env` wins), 120 s at most. */
export function runBinary(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, ...LOOPBACK_ENV, PIPEWRIGHT_LOG_LEVEL: 'warn', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}
