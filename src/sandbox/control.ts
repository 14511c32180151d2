/**
 * Control endpoints every emulator serves under `/__emulator/` (never logged, never faulted):
 * - `GET /__emulator/faults` → active faults; `POST` merges, `PUT` replaces, `DELETE` clears.
 * - `POST /__emulator/reset` → rebuild state, empty the log and limiters.
 * - `GET /__emulator/requests` → the request log.
 * @module
 */
import type { Emulator } from './emulator.js'
import type { FaultController } from './faults.js'
import { type EmulatorReply, type EmulatorRequest, empty, json } from './reply.js'

export function handleControl(req: EmulatorRequest, emulator: Emulator, faults: FaultController): EmulatorReply {
  const what = req.path.slice('/__emulator/'.length)
  try {
    if (what === 'faults') {
      if (req.method === 'GET') return json(200, faults.get())
      if (req.method === 'POST') faults.set((req.body ?? {}) as never)
      else if (req.method === 'PUT') faults.replace((req.body ?? {}) as never)
      else if (req.method === 'DELETE') faults.clear()
      else return json(405, { error: 'method_not_allowed' })
      return json(200, faults.get())
    }
    if (what === 'reset' && req.method === 'POST') {
      emulator.reset()
      return empty(204)
    }
    if (what === 'requests' && req.method === 'GET') return json(200, emulator.requests())
  } catch (e) {
    return json(400, { error: 'invalid_fault_config', message: (e as Error).message })
  }
  return json(404, { error: 'unknown_control_endpoint', path: req.path })
}
