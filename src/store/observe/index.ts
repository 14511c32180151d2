/**
 * The observe stores (series, alerts, inventory) over any backend that can run an operation
 * in a write transaction and as a read (see sql.ts). Each backend builds them once:
 * `readonly series = observeStores(runner).series`.
 * @module
 */
import * as alertOps from './alert-ops.js'
import type { AlertStore, InventoryStore, SeriesStore } from './contract.js'
import * as inventoryOps from './inventory-ops.js'
import * as seriesOps from './series-ops.js'
import type { Dialect, Op } from './sql.js'

export type * from './contract.js'

export interface OpRunner {
  dialect: Dialect
  /** Run in one write transaction (after this process's earlier writes). */
  write<T>(op: () => Op<T>): Promise<T>
  /** Run as a read that sees every write this process issued before. */
  read<T>(op: () => Op<T>): Promise<T>
}

export interface ObserveStores {
  series: SeriesStore
  alerts: AlertStore
  inventory: InventoryStore
}

export function observeStores(run: OpRunner): ObserveStores {
  const series: SeriesStore = {
    addSamples: (samples) => (samples.length ? run.write(() => seriesOps.addSamples(samples)) : Promise.resolve()),
    listSamples: (q) => run.read(() => seriesOps.listSamples(q)),
    setGauges: (source, gauges, now, ttlMs) =>
      gauges.length ? run.write(() => seriesOps.setGauges(source, gauges, now, ttlMs)) : Promise.resolve(),
    listGauges: (names, now) => run.read(() => seriesOps.listGauges(names, now)),
    purge: (before, now) => run.write(() => seriesOps.purge(before, now)),
  }
  const alerts: AlertStore = {
    observeFiring: (finding, o) => run.write(() => alertOps.observeFiring(finding, o)),
    observeClear: (rule, subject, o) => run.write(() => alertOps.observeClear(rule, subject, o)),
    listIncidents: (f) => run.read(() => alertOps.listIncidents(f)),
    getIncident: (id) => run.read(() => alertOps.getIncident(id)),
    enqueue: (items, now) => run.write(() => alertOps.enqueue(items, now)),
    dueBatches: (now) => run.read(() => alertOps.dueBatches(now)),
    claim: (o) => run.write(() => alertOps.claim(run.dialect, o)),
    settle: (id, owner, outcome) => run.write(() => alertOps.settle(id, owner, outcome)),
    listNotifications: (f) => run.read(() => alertOps.listNotifications(f)),
  }
  const inventory: InventoryStore = {
    replace: (snapshot) => run.write(() => inventoryOps.replaceInventory(snapshot)),
    list: (f) => run.read(() => inventoryOps.listInventory(f)),
  }
  return { series, alerts, inventory }
}
