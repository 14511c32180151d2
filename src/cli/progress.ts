/**
 * The progress of a long import on stderr: on a terminal one line redrawn in place (a bar, rows
 * read, runs done, rate, ETA); otherwise a plain line every `intervalMs`, so logs stay readable.
 * @module
 */
import type { CliIo } from './io.js'

export interface ImportProgressState {
  rows: number
  bad: number
  duplicates: number
  /** Distinct runs started (or pointed at by duplicate rows). */
  runs: number
  /** Runs that have ended. */
  done: number
  /** Still reading the file. */
  reading: boolean
  /** Share of the file read (0–1), when its size is known. */
  fraction?: number
}

export interface ProgressMeter {
  update(state: ImportProgressState): void
  /** Print the final state (always, also when not on a terminal) and end the line. */
  finish(state: ImportProgressState): void
}

export interface ProgressMeterOptions {
  label: string
  /** Plain mode: at most one line this often. @defaultValue 5000 */
  intervalMs?: number
  now?: () => number
}

const RATE_WINDOW_MS = 10_000

export function progressMeter(io: CliIo, options: ProgressMeterOptions): ProgressMeter {
  const now = options.now ?? (() => Date.now())
  const interval = options.intervalMs ?? 5000
  const samples: Array<{ at: number; done: number }> = [{ at: now(), done: 0 }]
  let lastDraw = 0

  const rate = (s: ImportProgressState): number => {
    const at = now()
    samples.push({ at, done: s.done })
    while (samples.length > 2 && at - samples[1]!.at >= RATE_WINDOW_MS) samples.shift()
    const first = samples[0]!
    return at > first.at ? ((s.done - first.done) * 1000) / (at - first.at) : 0
  }
  const eta = (s: ImportProgressState, perSec: number): string => {
    const total = s.reading ? (s.fraction ? s.runs / s.fraction : null) : s.runs
    if (total === null) return '?'
    if (s.done >= total) return '0s'
    return perSec > 0 ? duration(((total - s.done) / perSec) * 1000) : '?'
  }
  const text = (s: ImportProgressState, perSec: number) =>
    `${fmt(s.rows)} rows read${s.reading ? '' : ' (all)'}, ${fmt(s.runs)} runs started, ${fmt(s.duplicates)} duplicates, ${fmt(s.bad)} bad; ` +
    `${fmt(s.done)}/${fmt(s.runs)} runs done, ${fmt(Math.round(perSec))} runs/s, ETA ${eta(s, perSec)}`
  const bar = (s: ImportProgressState) => {
    const share = s.reading ? (s.fraction ?? 0) * (s.runs ? s.done / s.runs : 0) : s.runs ? s.done / s.runs : 1
    const width = 20
    const filled = Math.min(width, Math.floor(share * width))
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%`
  }
  const draw = (s: ImportProgressState, final: boolean) => {
    const perSec = rate(s)
    if (io.tty) {
      const line = `${options.label} ${bar(s)} ${text(s, perSec)}`.slice(0, Math.max(20, io.tty.columns - 1))
      io.tty.write(`\r\x1b[K${line}${final ? '\n' : ''}`)
    } else io.err(`importing ${options.label}: ${text(s, perSec)}`)
  }
  return {
    update(s) {
      const at = now()
      if (at - lastDraw < (io.tty ? 100 : interval)) return
      lastDraw = at
      draw(s, false)
    },
    finish(s) {
      draw(s, true)
    },
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US')
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
