/**
 * The inventory registry, as dialect-neutral operations (see sql.ts): a connection's snapshot
 * is replaced whole, in one transaction, so a reader never sees half of two readings.
 * @module
 */
import type { InventorySnapshot } from './contract.js'
import { exec, type Op } from './sql.js'

export function* replaceInventory(s: InventorySnapshot): Op<void> {
  yield* exec('DELETE FROM inventory_items WHERE connection = ?', s.connection)
  for (const it of s.items) {
    yield* exec(
      `INSERT INTO inventory_items (connection, path, service, kind, parent, name, type, details, read_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      s.connection,
      it.path,
      s.service,
      it.kind,
      it.parent,
      it.name,
      it.type,
      it.details === null ? null : JSON.stringify(it.details),
      s.readAt,
    )
  }
}

export function* listInventory(f: { service?: string; connection?: string } = {}): Op<InventorySnapshot[]> {
  const where: string[] = []
  const params: unknown[] = []
  if (f.service !== undefined) {
    where.push('service = ?')
    params.push(f.service)
  }
  if (f.connection !== undefined) {
    where.push('connection = ?')
    params.push(f.connection)
  }
  const r = yield* exec(
    `SELECT * FROM inventory_items ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY connection, path`,
    ...params,
  )
  const out = new Map<string, InventorySnapshot>()
  for (const x of r.rows) {
    const connection = String(x.connection)
    let snap = out.get(connection)
    if (!snap) {
      snap = { service: String(x.service), connection, readAt: Number(x.read_at), items: [] }
      out.set(connection, snap)
    }
    snap.items.push({
      kind: String(x.kind),
      path: String(x.path),
      parent: (x.parent as string | null) ?? null,
      name: String(x.name),
      type: (x.type as string | null) ?? null,
      details: x.details === null || x.details === undefined ? null : typeof x.details === 'string' ? JSON.parse(x.details) : x.details,
    })
  }
  return [...out.values()]
}
