// `npm run bench`: every benchmark, each printing its figures beside a baseline measured in
// the same run. Results are also written to bench/results/latest.json.
// Pick some with `npm run bench -- e2e ingress`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const BENCHES = [
  ['e2e', 'e2e.mjs', 'runE2E'],
  ['ingress', 'ingress.mjs', 'runIngress'],
  ['hubspot', 'hubspot.mjs', 'runHubspot'],
  ['airtable', 'airtable.mjs', 'runAirtable'],
  ['distributed', 'distributed.mjs', 'runDistributed'],
  ['sync', 'sync.mjs', 'runSync'],
]
const wanted = process.argv.slice(2)
const results = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version, at: new Date().toISOString() } }
for (const [name, file, fn] of BENCHES) {
  if (wanted.length && !wanted.includes(name)) continue
  const mjs = join(here, file)
  const ts = mjs.replace(/\.mjs$/, '.ts')
  let mod
  if (existsSync(mjs)) mod = await import(pathToFileURL(mjs).href)
  else if (existsSync(ts)) mod = await (await import('jiti')).createJiti(import.meta.url).import(ts)
  else continue
  if (typeof mod[fn] !== 'function') continue
  try {
    results[name] = await mod[fn]()
  } catch (e) {
    console.error(`bench ${name} failed: ${e.message}`)
    results[name] = { error: e.message }
  }
}
mkdirSync(join(here, 'results'), { recursive: true })
const file = join(here, 'results', 'latest.json')
// A partial run (`npm run bench -- e2e`) updates its own sections and keeps the others.
const previous = wanted.length && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}
writeFileSync(file, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`)
console.log(`\nresults written to bench/results/latest.json`)
