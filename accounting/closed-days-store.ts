import type { Reading } from '../src/kernel/index.js';
import type { AccountingStore, RawReadingQuery, RegisterSegment, SegmentQuery } from './ports.js';

/**
 * A consumption series' store answers for the days before today, kept while the readings they come from are
 * unchanged (issue 10): the dashboard asks the last 31 days by day on every visit, and only today's readings move.
 * Not the figures but the store's answers are kept, so the engine (store-consumption.ts, the consumption core)
 * runs on exactly what the store would have answered and the figures are the uncached path's by construction:
 *
 * - The register segments of the buckets before `cutMs` (today's local midnight) depend only on the readings in
 *   [fromMs, cutMs) (the segment query's `lag` starts at `fromMs`). Today's segments are asked again, from the
 *   start of the last bucket before the cut that holds a segment of each meter, so that the first reading of today
 *   has the same previous reading as in the whole range's query (its decreases and rates are the same), and only
 *   the buckets from the cut on are taken from that answer.
 * - Raw readings of a range that ends at or before the cut, and of a range that goes past it (the few readings after
 *   an anomalous segment) when the answer was full and ended before the cut (a later reading sorts after it).
 *
 * An entry is reused only when the store's fingerprints (readingFingerprints: per meter, row count, latest
 * arrival, first and last device time) of [fromMs, cutMs) are those taken before it was filled: a late reading into
 * a closed day changes them and the whole range is asked again. The edges, the learned rate bounds and anything
 * else pass through.
 */
export interface ClosedDaysCache {
  /**
   * The store to compute a series' consumption with: the cached one when [fromMs, toMs) spans the cut, the store
   * itself otherwise. One per computation: it checks the fingerprints once, when made.
   */
  storeFor(store: AccountingStore, range: ClosedDaysRange): Promise<AccountingStore>;
}

export interface ClosedDaysRange {
  readonly meterIds: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly timeZone: string;
  /** Of the coarse segment query; the cut must be one of its bucket boundaries (a day or an hour, not a month). */
  readonly bucket: SegmentQuery['bucket'];
  /** Today's local midnight: the buckets before it are the closed days. */
  readonly cutMs: number;
}

interface Entry {
  readonly fingerprints: ReadonlyMap<string, string>;
  /** The closed buckets' segments, once the first computation asked the whole range. */
  segments?: readonly RegisterSegment[];
  readonly raw: Map<string, readonly Reading[]>;
}

/** Series kept (one per org, range and zone asked): the dashboard's orgs of the day. */
const DEFAULT_MAX_ENTRIES = 64;

export function createClosedDaysCache(maxEntries = DEFAULT_MAX_ENTRIES): ClosedDaysCache {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  const entries = new Map<string, Entry>();
  return {
    async storeFor(store, range) {
      const { meterIds, fromMs, toMs, cutMs } = range;
      if (meterIds.length === 0 || cutMs <= fromMs || cutMs >= toMs) return store;
      const key = JSON.stringify([meterIds, fromMs, cutMs, range.timeZone, range.bucket]);
      const fingerprints = await store.readingFingerprints({ meterIds, fromMs, toMs: cutMs });
      const old = entries.get(key);
      entries.delete(key);
      const entry =
        old !== undefined && sameFingerprints(old.fingerprints, fingerprints) ? old : { fingerprints, raw: new Map() };
      entries.set(key, entry);
      for (const oldKey of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldKey);
      }
      return cachedStore(store, range, entry);
    },
  };
}

function cachedStore(store: AccountingStore, range: ClosedDaysRange, entry: Entry): AccountingStore {
  const { cutMs } = range;
  const isCoarse = (q: SegmentQuery) =>
    q.fromMs === range.fromMs &&
    q.toMs === range.toMs &&
    q.bucket === range.bucket &&
    q.timeZone === range.timeZone &&
    q.meterIds.length === range.meterIds.length &&
    q.meterIds.every((id, i) => id === range.meterIds[i]);

  const registerSegments = async (q: SegmentQuery): Promise<readonly RegisterSegment[]> => {
    if (!isCoarse(q)) return store.registerSegments(q);
    const closed = entry.segments;
    if (closed === undefined) {
      const all = await store.registerSegments(q);
      entry.segments = all.filter((s) => s.bucketStartMs < cutMs);
      return all;
    }
    // Today's segments, asked from the last closed bucket with a segment of every meter (see above).
    const lastClosed = new Map<string, number>();
    for (const s of closed)
      lastClosed.set(s.meterId, Math.max(lastClosed.get(s.meterId) ?? -Infinity, s.bucketStartMs));
    const askFromMs = Math.max(q.fromMs, Math.min(cutMs, ...lastClosed.values()));
    const today = (await store.registerSegments({ ...q, fromMs: askFromMs })).filter((s) => s.bucketStartMs >= cutMs);
    return [...closed, ...today].sort((a, b) =>
      a.meterId === b.meterId ? a.bucketStartMs - b.bucketStartMs : a.meterId < b.meterId ? -1 : 1,
    );
  };

  const rawKey = (q: RawReadingQuery) => `${q.meterId}|${q.fromMs}|${q.toMs}|${q.limit}`;
  /** Whether an answer is the same while [fromMs, cutMs) is unchanged (see above). */
  const keepable = (q: RawReadingQuery, rows: readonly Reading[]) =>
    q.toMs <= cutMs || (rows.length >= q.limit && (rows.at(-1)?.tsMs ?? Infinity) < cutMs);
  const readMany = async (queries: readonly RawReadingQuery[]): Promise<readonly (readonly Reading[])[]> => {
    const answers = queries.map((q) => entry.raw.get(rawKey(q)));
    const missing = queries.filter((_, i) => answers[i] === undefined);
    const asked: readonly (readonly Reading[])[] =
      missing.length === 0
        ? []
        : store.readingsBatch !== undefined
          ? await store.readingsBatch(missing)
          : await Promise.all(missing.map((q) => store.readings(q)));
    let next = 0;
    return queries.map((q, i) => {
      const known = answers[i];
      if (known !== undefined) return known;
      const rows = asked[next++] ?? [];
      if (q.fromMs >= range.fromMs && keepable(q, rows)) entry.raw.set(rawKey(q), rows);
      return rows;
    });
  };

  return {
    registerSegments,
    edgeReadings: (q) => store.edgeReadings(q),
    readings: async (q) => (await readMany([q]))[0] ?? [],
    readingsBatch: readMany,
    meterSummaries: () => store.meterSummaries(),
    readingFingerprints: (q) => store.readingFingerprints(q),
  };
}

function sameFingerprints(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [meterId, fingerprint] of a) if (b.get(meterId) !== fingerprint) return false;
  return true;
}
