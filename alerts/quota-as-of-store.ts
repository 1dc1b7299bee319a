import { EDGE_WINDOW_MS, type AccountingStore, type LastReading } from '../accounting/index.js';

/**
 * Accounting's store as it stood at `asOfMs`: every query sees only readings with a device
 * time before it. The carbon report of a month in progress is computed from what has
 * arrived so far; cutting the store (not the period) at the instant gives a backtest the
 * figures the report would have shown then, and the live evaluation (asOfMs = now) the
 * report's own figures. Periods keep their calendar bounds, so proration and denominators
 * are the report's.
 */
export function asOfAccountingStore(store: AccountingStore, asOfMs: number): AccountingStore {
  return {
    async registerSegments(query) {
      const toMs = Math.min(query.toMs, asOfMs);
      return query.fromMs < toMs ? store.registerSegments({ ...query, toMs }) : [];
    },
    async edgeReadings(query) {
      const beforeMs = Math.min(query.beforeMs, asOfMs);
      const edges = await store.edgeReadings({ ...query, beforeMs });
      const after = new Map([...edges.after].filter(([, r]) => r.tsMs < asOfMs));
      return { before: edges.before, after };
    },
    async readings(query) {
      const toMs = Math.min(query.toMs, asOfMs);
      return query.fromMs < toMs ? store.readings({ ...query, toMs }) : [];
    },
    /** A meter whose last reading is later: its last one before the instant, looked for within the edge window. */
    async meterSummaries() {
      const all = await store.meterSummaries();
      const later = [...all].filter(([, s]) => s.lastTsMs >= asOfMs).map(([id]) => id);
      const result = new Map<string, LastReading>([...all].filter(([, s]) => s.lastTsMs < asOfMs));
      if (later.length === 0) return result;
      const edges = await store.edgeReadings({
        meterIds: later,
        beforeMs: asOfMs,
        afterMs: asOfMs,
        windowMs: EDGE_WINDOW_MS,
      });
      for (const [id, reading] of edges.before) result.set(id, { lastTsMs: reading.tsMs });
      return result;
    },
  };
}
