import {
  EDGE_WINDOW_MS,
  type AccountingStore,
  type LastReading,
  type RegisterSegment,
  type SegmentQuery,
} from '../accounting/index.js';
import { bucketStart } from '../src/kernel/index.js';

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
      return query.fromMs < toMs ? wholeDaysFirst(store, { ...query, toMs }) : [];
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
    async readingFingerprints(query) {
      const toMs = Math.min(query.toMs, asOfMs);
      return query.fromMs < toMs ? store.readingFingerprints({ ...query, toMs }) : new Map();
    },
  };
}

/**
 * Register segments of a range that ends inside a local day (an evaluation at an instant) and starts at
 * local midnight: the whole days from the store's day roll-up, the part of the last day straight from
 * the readings, merged per bucket the way the roll-up merges days (docs/alerts.md, "Evaluation cost").
 * The store answers such a range with one window over every raw reading of it (a year of readings
 * for a year's quota, at every evaluation); split, the window covers today only. The merge is the
 * roll-up's own: first from the earlier part, last from the later, counts and decreases added, the
 * later part's first reading compared with the earlier part's last (a decrease, a rate), so the
 * segments are those of the whole range. Other ranges go to the store unchanged.
 */
export async function wholeDaysFirst(store: AccountingStore, query: SegmentQuery): Promise<RegisterSegment[]> {
  const { fromMs, toMs, timeZone } = query;
  const lastMidnightMs = bucketStart(toMs, 'day', timeZone);
  if (query.bucket === 'hour' || lastMidnightMs === toMs || lastMidnightMs <= fromMs) {
    return [...(await store.registerSegments(query))];
  }
  if (bucketStart(fromMs, 'day', timeZone) !== fromMs) return [...(await store.registerSegments(query))];
  const [days, today] = await Promise.all([
    store.registerSegments({ ...query, toMs: lastMidnightMs }),
    store.registerSegments({ ...query, fromMs: lastMidnightMs }),
  ]);
  const lastOfMeter = new Map<string, RegisterSegment>();
  for (const s of days) lastOfMeter.set(s.meterId, s);
  const merged = new Map<RegisterSegment, RegisterSegment>();
  const added: RegisterSegment[] = [];
  for (const b of today) {
    const a = lastOfMeter.get(b.meterId);
    if (a !== undefined && a.bucketStartMs === b.bucketStartMs) merged.set(a, mergeSegments(a, b));
    else added.push(a === undefined ? b : crossChecked(a, b));
  }
  const all = [...days.map((s) => merged.get(s) ?? s), ...added];
  return all.sort((x, y) =>
    x.meterId < y.meterId ? -1 : x.meterId > y.meterId ? 1 : x.bucketStartMs - y.bucketStartMs,
  );
}

/** The rate between two consecutive readings as the store computes it (register units per hour, from µs). */
function rateBetween(prev: { tsMs: number; value: number }, next: { tsMs: number; value: number }): number {
  return (next.value - prev.value) / (((next.tsMs - prev.tsMs) * 1000) / 3600000000.0);
}

/** `b` with its first reading compared with `a`'s last (the reading before it in the range). */
function crossChecked(a: RegisterSegment, b: RegisterSegment): RegisterSegment {
  const cross = rateBetween({ tsMs: a.lastTsMs, value: a.lastValue }, { tsMs: b.firstTsMs, value: b.firstValue });
  return {
    ...b,
    decreases: b.decreases + (b.firstValue < a.lastValue ? 1 : 0),
    maxRatePerHour: b.maxRatePerHour === null || cross > b.maxRatePerHour ? cross : b.maxRatePerHour,
  };
}

/** One bucket's segment from its two parts, `a` before `b`. */
function mergeSegments(a: RegisterSegment, b: RegisterSegment): RegisterSegment {
  const later = crossChecked(a, b);
  const rates = [a.maxRatePerHour, later.maxRatePerHour].filter((r): r is number => r !== null);
  return {
    meterId: a.meterId,
    bucketStartMs: a.bucketStartMs,
    firstTsMs: a.firstTsMs,
    firstValue: a.firstValue,
    lastTsMs: b.lastTsMs,
    lastValue: b.lastValue,
    readings: a.readings + b.readings,
    decreases: a.decreases + later.decreases,
    maxRatePerHour: rates.length === 0 ? null : Math.max(...rates),
  };
}
