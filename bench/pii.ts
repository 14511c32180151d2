/**
 * What sealing PII costs (issue 21, "protect customer data at rest"): one hub on an embedded
 * SQLite file runs the same pipeline — map, action (a no-op executor echoing its input), map —
 * over the same events without PII paths and with `pii: [email, phone, person.*]` (six fields
 * sealed per run), in alternating rounds so the machine's load falls on both alike. Prints runs/s per round and the median ratio.
 *
 *   npx jiti bench/pii.ts [events per round=3000] [rounds=3]
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { invocation } from '../src/connectors/contract.js'
import { createHub } from '../src/engine/hub.js'
import { compilePipeline } from '../src/pipeline/compile.js'
import { manual } from '../src/pipeline/define.js'
import type { PipelineDefinition } from '../src/pipeline/types.js'
import { createPayloadCipher } from '../src/privacy/cipher.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'

const EVENTS = Number(process.argv[2] ?? 3000)
const ROUNDS = Number(process.argv[3] ?? 3)
const KEY = 'YmVuY2gta2V5LWZvci1waWktc2VhbGluZy0zMi1ieXQ='

const def = (pii: string[] | undefined): PipelineDefinition => ({
  id: 'leads',
  trigger: manual(),
  ...(pii ? { pii } : {}),
  steps: [
    { id: 'lead', map: ({ event }: any) => ({ email: event.email, phone: event.person.phone, domain: String(event.email).split('@')[1] }) },
    {
      id: 'crm',
      action: invocation('crm.upsert', { properties: { email: ({ lead }: any) => lead.email, company: ({ lead }: any) => lead.domain } }),
    },
    { id: 'score', map: ({ event }: any) => ({ score: event.fit * 2 }) },
  ],
})

const actions = { execute: async (call: { input: unknown }) => ({ id: 'c1', input: call.input }), check: () => null, close: async () => {} }

async function round(withPii: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-pii-'))
  const store = createSqliteStore({ path: join(dir, 'pw.db') })
  const pipeline = compilePipeline(def(withPii ? ['email', 'phone', 'person.*'] : undefined), { format: 'ts' })
  const hub = await createHub({
    pipelines: [pipeline],
    store,
    actions: actions as any,
    ...(withPii ? { pii: { cipher: createPayloadCipher(KEY) } } : {}),
  })
  await hub.start()
  let ended = 0
  let done!: () => void
  const all = new Promise<void>((r) => {
    done = r
  })
  hub.events.on('run:end', () => {
    if (++ended === EVENTS) done()
  })
  const t0 = performance.now()
  for (let i = 0; i < EVENTS; i += 100)
    await hub.ingest(
      'leads',
      Array.from({ length: Math.min(100, EVENTS - i) }, (_, j) => ({
        payload: { email: `person${i + j}@acme.com`, person: { phone: `+1555${i + j}`, name: 'Ann' }, fit: j },
      })),
    )
  await all
  const rate = EVENTS / ((performance.now() - t0) / 1000)
  await hub.close()
  rmSync(dir, { recursive: true, force: true })
  return rate
}

// BENCH_ONLY=pii|plain runs one side only (for a profile).
const only = process.env.BENCH_ONLY
if (only) {
  for (let r = 0; r < ROUNDS; r++) console.log(`${only}: ${(await round(only === 'pii')).toFixed(0)} runs/s`)
  process.exit(0)
}
const plain: number[] = []
const sealed: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  // Which goes first alternates, so neither always runs on a warmer (or busier) process.
  if (r % 2 === 0) {
    plain.push(await round(false))
    sealed.push(await round(true))
  } else {
    sealed.push(await round(true))
    plain.push(await round(false))
  }
  console.log(`round ${r + 1}: plain ${plain.at(-1)!.toFixed(0)} runs/s, pii ${sealed.at(-1)!.toFixed(0)} runs/s`)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(
  `median: plain ${median(plain).toFixed(0)} runs/s, pii ${median(sealed).toFixed(0)} runs/s, ratio ${(median(sealed) / median(plain)).toFixed(2)} (load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')})`,
)
