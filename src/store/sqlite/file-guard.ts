/**
 * Watches the identity of the SQLite files an open connection uses: the database, its `-wal`
 * and its `-shm` (device + inode, and the `-shm` size). An open connection keeps writing to the
 * files it opened even after they were deleted or replaced, so without this an acknowledged
 * write could land in a file nobody will ever read again. When a file vanishes or is replaced,
 * the store stops taking writes (StoreUnavailableError → 503 at ingress, /readyz fails) until
 * the same file is back; a truncated `-shm` stops the store for good, because SQLite has that
 * file mapped into memory and touching a mapped page past its end kills the process (SIGBUS).
 * See docs/decisions.md ("SQLite files that vanish").
 * @module
 */
import { accessSync, closeSync, constants, fstatSync, ftruncateSync, openSync, statSync } from 'node:fs'

interface Identity {
  dev: number
  ino: number
  size: number
}

export interface FileProblem {
  message: string
  /** The connection must never be touched again (its `-shm` mapping is no longer backed). */
  fatal: boolean
}

function identify(path: string): Identity | null {
  const s = statSync(path, { throwIfNoEntry: false })
  return s ? { dev: s.dev, ino: s.ino, size: s.size } : null
}

export class FileGuard {
  private known = new Map<string, Identity>()
  private fatal: FileProblem | null = null
  private lastProblem: string | null = null
  private lastCheck = 0
  /** A handle on the mapped `-shm` itself: its size is what SQLite may touch, whatever its path now names. */
  private shmFd: number | null = null
  private shmSize = 0
  private shmWritable = false
  private restored = false

  constructor(
    private readonly path: string,
    /** Told when the files go wrong (a message) and when they are right again (null). */
    private readonly onChange: (problem: string | null) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remember the files as they are now (after the connection opened them). */
  record(): void {
    this.forget()
    this.fatal = null
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) {
      const id = identify(file)
      if (id) this.known.set(file, id)
    }
    for (const flags of ['r+', 'r']) {
      try {
        this.shmFd = openSync(`${this.path}-shm`, flags)
        this.shmWritable = flags === 'r+'
        this.shmSize = fstatSync(this.shmFd).size
        break
      } catch {
        this.shmFd = null // no -shm (not in WAL mode yet): nothing is mapped
      }
    }
    this.lastCheck = this.now()
    this.report(null)
  }

  /** Forget the files (the connection was closed). */
  forget(): void {
    this.known.clear()
    if (this.shmFd !== null) closeSync(this.shmFd)
    this.shmFd = null
  }

  /** The mapped `-shm` got shorter than SQLite made it: any access may be fatal (SIGBUS). */
  private shmTruncated(): FileProblem | null {
    if (this.shmFd === null) return null
    const size = fstatSync(this.shmFd).size
    if (size >= this.shmSize) {
      this.shmSize = size
      return null
    }
    // Give the mapping its backing again (zeros: SQLite rebuilds the index from the WAL, as after
    // a crash), so that closing the connection — better-sqlite3 also does it when the process
    // exits — does not touch pages past the end of the file.
    try {
      if (this.shmWritable) {
        ftruncateSync(this.shmFd, this.shmSize)
        this.restored = true
      }
    } catch {
      this.restored = false
    }
    this.fatal = {
      message: `${this.path}-shm was truncated by another program (${this.shmSize} → ${size} bytes); the store stops for good, restart the process`,
      fatal: true,
    }
    return this.fatal
  }

  /** The connection may be closed: nothing happened to its `-shm`, or its size was given back. */
  get safeToClose(): boolean {
    return this.fatal === null || this.restored
  }

  /** The first of the database's files that exists and this process cannot write, if any. */
  unwritableFile(): string | null {
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) {
      try {
        accessSync(file, constants.W_OK)
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') return file
      }
    }
    return null
  }

  get isFatal(): boolean {
    return this.fatal !== null
  }

  /** Check now; returns the problem, if any, and reports changes. */
  check(): FileProblem | null {
    this.lastCheck = this.now()
    const problem = this.fatal ?? this.shmTruncated() ?? this.identityProblem()
    this.report(problem ? `${problem.message}; intake stopped` : null)
    return problem
  }

  private identityProblem(): FileProblem | null {
    for (const [file, was] of this.known) {
      const id = identify(file)
      if (!id) return { message: `${file} vanished (deleted or moved) while the store had it open`, fatal: false }
      if (id.dev !== was.dev || id.ino !== was.ino)
        return { message: `${file} was replaced by another file while the store had it open`, fatal: false }
    }
    return null
  }

  /**
   * For hot paths: a full check when the last is older than `maxAgeMs`; in between only the
   * `-shm` size (one fstat), since that is the one change that can kill the process.
   */
  checkIfStale(maxAgeMs: number): FileProblem | null {
    if (this.fatal) return this.fatal
    if (this.now() - this.lastCheck >= maxAgeMs || this.shmTruncated()) return this.check()
    return this.lastProblem ? { message: this.lastProblem, fatal: false } : null
  }

  private report(problem: string | null): void {
    if (problem === this.lastProblem) return
    this.lastProblem = problem
    this.onChange(problem)
  }
}
