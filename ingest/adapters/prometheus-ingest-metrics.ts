import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { IngestMetrics } from '../ports.js';

/**
 * The ingest counters, exported on /metrics. They reconcile:
 *   items_received = items_accepted + items_quarantined{stage="ingest"}
 *   items_accepted (+ replayed at start) = readings_stored + duplicates
 *     + items_quarantined{reason="conflicting_duplicate"}
 *     + items_quarantined{reason="store_refused"} + spool backlog readings
 * (store_refused counts the readings the store refused; store_refused_total also
 * counts refused quarantine records, which were quarantined items already).
 */
export function createPrometheusIngestMetrics(registry: Registry): IngestMetrics & { replayed(count: number): void } {
  // The per-message counters are plain numbers on the hot path, handed to prom-client when it collects
  // (every scrape, every read of the registry): an inc() per message and item cost more than a sum.
  let pendingMessages = 0;
  let pendingItems = 0;
  // Registered for its collect(); nothing else touches it.
  new Counter({
    name: 'tanhe_ingest_messages_received_total',
    help: 'MQTT messages received',
    registers: [registry],
    collect() {
      if (pendingMessages > 0) this.inc(pendingMessages);
      pendingMessages = 0;
    },
  });
  // received also counts quarantined items (itemsQuarantined), added at once.
  const received = new Counter({
    name: 'tanhe_ingest_items_received_total',
    help: 'Reading items received (a gateway batch counts each item)',
    registers: [registry],
    collect: flushItems,
  });
  const accepted = new Counter({
    name: 'tanhe_ingest_items_accepted_total',
    help: 'Items that passed validation and were spooled',
    registers: [registry],
    collect: flushItems,
  });
  function flushItems() {
    if (pendingItems === 0) return;
    accepted.inc(pendingItems);
    received.inc(pendingItems);
    pendingItems = 0;
  }
  const quarantined = new Counter({
    name: 'tanhe_ingest_items_quarantined_total',
    help: 'Items quarantined, by reason code',
    labelNames: ['reason'],
    registers: [registry],
  });
  const stored = new Counter({
    name: 'tanhe_ingest_readings_stored_total',
    help: 'Readings the store confirmed',
    registers: [registry],
  });
  const quarantineStored = new Counter({
    name: 'tanhe_ingest_quarantine_stored_total',
    help: 'Quarantine records the store confirmed',
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'tanhe_ingest_duplicates_total',
    help: 'Readings already stored with the same meter, time and value (not written again)',
    registers: [registry],
  });
  const replayed = new Counter({
    name: 'tanhe_ingest_spool_replayed_total',
    help: 'Spool records found after the checkpoint at start-up and replayed',
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'tanhe_store_write_failures_total',
    help: 'Failed store writes (each retry counts)',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'tanhe_ingest_store_refused_total',
    help: 'Rows the store refused (bisected out of their batch and quarantined as store_refused)',
    registers: [registry],
  });
  const backpressure = new Gauge({
    name: 'tanhe_ingest_backpressure',
    help: '1 while acknowledgements are held because the spool is full',
    registers: [registry],
  });
  const backpressureEvents = new Counter({
    name: 'tanhe_ingest_backpressure_events_total',
    help: 'Times the spool filled up and acknowledgements stopped',
    registers: [registry],
  });
  const backlogBytes = new Gauge({
    name: 'tanhe_spool_backlog_bytes',
    help: 'Spooled bytes not yet confirmed by the store',
    registers: [registry],
  });
  const backlogRecords = new Gauge({
    name: 'tanhe_spool_backlog_records',
    help: 'Spooled records not yet confirmed by the store',
    registers: [registry],
  });
  const flush = new Histogram({
    name: 'tanhe_store_flush_seconds',
    help: 'Duration of confirmed store writes',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  return {
    messageReceived: () => {
      pendingMessages++;
    },
    itemsAccepted: (n) => {
      pendingItems += n;
    },
    itemsQuarantined: (reason, n) => {
      quarantined.inc({ reason }, n);
      // These two are decided after spooling, for items already counted as accepted.
      if (reason !== 'conflicting_duplicate' && reason !== 'store_refused') received.inc(n);
    },
    readingsStored: (n) => stored.inc(n),
    quarantineStored: (n) => quarantineStored.inc(n),
    duplicates: (n) => duplicates.inc(n),
    storeWriteFailed: () => storeErrors.inc(),
    storeRefused: (n) => refused.inc(n),
    backpressure: (active) => {
      backpressure.set(active ? 1 : 0);
      if (active) backpressureEvents.inc();
    },
    spoolBacklog: (bytes, records) => {
      backlogBytes.set(bytes);
      backlogRecords.set(records);
    },
    flushLatency: (seconds) => flush.observe(seconds),
    replayed: (n) => replayed.inc(n),
  };
}
