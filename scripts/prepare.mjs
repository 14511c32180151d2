#!/usr/bin/env node
// `prepare`: build dist/ (tsc) and web/dist/ (vite). npm runs it after `npm install` in a clone,
// and before packing. When a clone is installed into another project (`npm install ../pipewright`,
// a local directory), npm links it and runs this without its devDependencies — the compilers —
// so install them first. A git URL dependency needs nothing extra: npm installs them itself.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const run = (args) => {
  const r = spawnSync(npm, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const tools = ['typescript', 'vite', 'preact'].filter((p) => !existsSync(join(root, 'node_modules', p, 'package.json')))
if (tools.length > 0) {
  process.stderr.write(`pipewright: installing the build tools (${tools.join(', ')}) to build dist/ and web/dist/\n`)
  // Scripts off, so this install does not run `prepare` again; then the one native module.
  run(['install', '--include=dev', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund'])
  run(['rebuild', 'better-sqlite3'])
}
run(['run', 'build'])
