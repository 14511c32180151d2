// Summarise a V8 .cpuprofile: self time by package (node_modules/<name>), by our source file,
// and by function, as shares of the samples. `node bench/prof-summary.mjs <file.cpuprofile> [top]`
import { readFileSync } from 'node:fs'

const [file, topArg] = process.argv.slice(2)
const top = Number(topArg ?? 25)
const prof = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(prof.nodes.map((n) => [n.id, n]))
const self = new Map()
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt)
}
const total = [...self.values()].reduce((a, b) => a + b, 0)
const where = (url) => {
  if (!url) return '(native/gc/idle)'
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return `pkg ${m[1]}`
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`
  const d = /\/dist\/(.+)$/.exec(url)
  return d ? `pw ${d[1]}` : url
}
const groups = new Map()
const fns = new Map()
for (const [id, t] of self) {
  const n = byId.get(id)
  const cf = n.callFrame
  const g = cf.functionName === '(idle)' ? '(idle)' : cf.functionName === '(garbage collector)' ? '(gc)' : where(cf.url)
  groups.set(g, (groups.get(g) ?? 0) + t)
  const f = `${cf.functionName || '(anon)'} ${where(cf.url)}:${cf.lineNumber + 1}`
  fns.set(f, (fns.get(f) ?? 0) + t)
}
const print = (title, m) => {
  console.log(`\n${title}`)
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * v) / total).toFixed(1).padStart(6)} %  ${k}`)
}
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`)
print('self time by package / file', groups)
print('self time by function', fns)
