// Bench-only probe, loaded with `node --import ./bench/probe.mjs` when BENCH_PROBE_DIR is set
// (bench/distributed.ts does it with BENCH_PROBE=1). Counts what a process sends to Postgres
// (statements by name, pool check-outs) and to Redis (commands, Lua scripts by name, pipelines),
// and writes the counts to $BENCH_PROBE_DIR/<pid>.json when the process exits. Costs some CPU:
// figures measured with it are for counting, not for speed.
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const dir = process.env.BENCH_PROBE_DIR
if (dir) {
  const require = createRequire(join(process.cwd(), 'package.json'))
  const counts = {}
  const bump = (k) => {
    counts[k] = (counts[k] ?? 0) + 1
  }
  const role = process.argv.includes('worker') ? 'worker' : 'api'

  const pg = require('pg')
  const query = pg.Client.prototype.query
  pg.Client.prototype.query = function (config, ...rest) {
    const name = typeof config === 'string' ? config : (config?.name ?? config?.text ?? '?')
    bump(`pg ${String(name).replace(/\s+/g, ' ').slice(0, 40)}`)
    return query.call(this, config, ...rest)
  }
  const connect = pg.Pool.prototype.connect
  pg.Pool.prototype.connect = function (...args) {
    bump('pg pool.connect')
    return connect.apply(this, args)
  }

  const Redis = require('ioredis').default ?? require('ioredis')
  const scripts = new Map()
  const define = Redis.prototype.defineCommand
  Redis.prototype.defineCommand = function (name, definition) {
    define.call(this, name, definition)
    const sha = this.scriptsSet?.[name]?.sha
    if (sha) scripts.set(sha, name.split(':')[0])
  }
  const send = Redis.prototype.sendCommand
  Redis.prototype.sendCommand = function (command, ...rest) {
    const n = command?.name ?? '?'
    if (n === 'evalsha' || n === 'eval') bump(`redis script ${scripts.get(String(command.args?.[0])) ?? n}`)
    else bump(`redis ${n}`)
    return send.call(this, command, ...rest)
  }
  const Pipeline = require('ioredis/built/Pipeline.js').default
  const exec = Pipeline.prototype.exec
  Pipeline.prototype.exec = function (...args) {
    bump('redis pipeline/multi (one round trip)')
    return exec.apply(this, args)
  }

  process.on('exit', () => {
    try {
      writeFileSync(join(dir, `${role}-${process.pid}.json`), JSON.stringify(counts))
    } catch {
      // the probe must never break the process
    }
  })
}
