#!/usr/bin/env node
// Entry point of the `pipewright` command: runs the compiled CLI from dist/.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'

// Start-up allocates mostly code and objects that live as long as the process, so V8 would grow
// its young generation to the maximum (16 MB semi-spaces) for garbage that never comes: 20–25 MB
// of resident memory an idle server keeps. It stays small until the command has started
// (`start` sets the usual growth back once it serves; see serve.ts).
setFlagsFromString('--semi-space-growth-factor=1')

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const compiled = join(root, 'dist', 'cli', 'main.js')
if (!existsSync(compiled)) {
  process.stderr.write('pipewright: dist/ is missing; run `npm run build` in the package first\n')
  process.exit(2)
}
const { main } = await import(pathToFileURL(compiled).href)
process.exitCode = await main(process.argv.slice(2))
// The command has finished: whatever still holds the event loop (a client retrying an unreachable
// Redis, say) must not keep the process alive. Output still on its way to a slow reader goes first.
setTimeout(() => {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0)
  if (pending.length === 0) process.exit()
  Promise.all(pending.map((s) => new Promise((r) => s.once('drain', r)))).then(() => process.exit())
}, 3000).unref()
