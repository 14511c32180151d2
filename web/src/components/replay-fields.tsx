/** The two choices every replay asks for: where to start and which pipeline version to run. */
import type { ReplayFrom, ReplayVersion } from '../api/types.js'
import { SelectField } from './select-field.js'

export function ReplayFromField(p: { id: string; label: string; value: ReplayFrom; onChange: (v: ReplayFrom) => void }) {
  const options = [
    ['failed-step', 'the failed step'],
    ['trigger', 'the trigger'],
  ] as const
  return <SelectField id={p.id} label={p.label} value={p.value} options={options} onChange={(v) => p.onChange(v as ReplayFrom)} />
}

export function ReplayVersionField(p: { id: string; label: string; value: ReplayVersion; onChange: (v: ReplayVersion) => void }) {
  const options = [
    ['pinned', 'pinned (as it ran)'],
    ['latest', 'latest'],
  ] as const
  return <SelectField id={p.id} label={p.label} value={p.value} options={options} onChange={(v) => p.onChange(v as ReplayVersion)} />
}
