import type { QuarantineRecord, Reading, RejectionReason } from '../../kernel/index.js';

/**
 * The time-series store, as the service uses it. QuestDB (production) and DuckDB
 * (embedded default) both implement it, and one contract suite
 * (tests/contract/reading-store.contract.ts) holds them to the same answers.
 *
 * Writes are idempotent: a reading is keyed by (meterId, tsMs) and a rewrite of
 * the same key replaces the row (last write wins, as QuestDB's DEDUP UPSERT KEYS
 * does); a quarantine row is keyed by (receivedAtMs, id). Replaying a spool
 * segment after a crash therefore never double-counts.
 */
export interface ReadingStore {
  /** Creates tables (and indexes) if missing. Safe to call on every start. */
  init(): Promise<void>;
  /**
   * Writes both lists and resolves only when the store has confirmed them (for
   * QuestDB: the HTTP ILP request returned 2xx, i.e. the rows are in the WAL).
   * Rejects with AppError('STORE_UNAVAILABLE', retryable) when the store is down.
   */
  write(readings: readonly Reading[], quarantined: readonly QuarantineRecord[]): Promise<void>;
  /**
   * Raw readings of one meter with from <= tsMs < to, ascending by tsMs,
   * at most `limit`, starting after `afterTsMs` when given (keyset paging).
   * Rows written are visible here once `write` resolved and `sync()` resolved.
   */
  readings(query: ReadingQuery): Promise<Reading[]>;
  /** Quarantined records with from <= receivedAtMs < to, ascending, optionally one reason. */
  quarantine(query: QuarantineQuery): Promise<QuarantineRecord[]>;
  /** Per meter: the latest device timestamp and its arrival time, and the row count. */
  meterSummaries(): Promise<Map<string, MeterSummary>>;
  /**
   * Each meter's readings in [from, to) reduced, in the store, to one register
   * segment per calendar bucket of `timeZone` (buckets with no reading are
   * absent), ordered by meterId then bucket. This is what accounting asks for
   * instead of raw rows (DESIGN.md §5: heavy aggregation runs in the store).
   * `decreases` and `maxRatePerHour` compare each reading with the meter's
   * previous reading *inside the range* (a window `lag`), so the first reading of
   * the range is compared with nothing; the caller checks the edge itself.
   */
  registerSegments(query: SegmentQuery): Promise<RegisterSegment[]>;
  /**
   * Per meter, the last reading before `beforeMs` and the first at or after
   * `afterMs`, each looked for within `windowMs`: the readings just outside a
   * range, which fix the energy of the intervals that cross its edges.
   */
  edgeReadings(query: EdgeQuery): Promise<EdgeReadings>;
  /** Total rows, for tests and reconciliation. */
  counts(): Promise<{ readings: number; quarantined: number }>;
  /** Waits until every confirmed write is visible to queries (QuestDB applies its WAL asynchronously). */
  sync(): Promise<void>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ReadingQuery {
  readonly meterId: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
  readonly afterTsMs?: number;
}

export interface QuarantineQuery {
  readonly fromMs: number;
  readonly toMs: number;
  readonly reason?: RejectionReason;
  readonly limit: number;
  /** Keyset paging: records strictly after this (receivedAtMs, id). */
  readonly after?: { readonly receivedAtMs: number; readonly id: string };
}

export interface MeterSummary {
  readonly lastTsMs: number;
  readonly lastReceivedAtMs: number;
  readonly readings: number;
}

/** Calendar buckets the store can cut in a time zone (an hour is an hour of the zone's offset). */
export const SEGMENT_BUCKETS = ['hour', 'day', 'month'] as const;
export type SegmentBucket = (typeof SEGMENT_BUCKETS)[number];

export interface SegmentQuery {
  readonly meterIds: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucket: SegmentBucket;
  /** IANA zone whose local hours, days and months cut the buckets, e.g. Asia/Shanghai. */
  readonly timeZone: string;
}

/**
 * One meter's readings in one bucket, reduced: the register at the first and the
 * last reading, how many readings there were, and the two checks that decide
 * whether the reduction is faithful (DESIGN.md §6): how many readings were below
 * the reading before them, and the highest rate between consecutive readings.
 */
export interface RegisterSegment {
  readonly meterId: string;
  /** Start of the bucket (UTC ms) in the query's time zone. */
  readonly bucketStartMs: number;
  readonly firstTsMs: number;
  readonly firstValue: number;
  readonly lastTsMs: number;
  readonly lastValue: number;
  readonly readings: number;
  /** Readings whose register is below the previous reading's (previous: in the range, possibly in an earlier bucket). */
  readonly decreases: number;
  /**
   * The highest (Δregister / Δt in hours) between a reading of this bucket and the
   * previous reading in the range, in register units (before the multiplier);
   * null when no reading of the bucket has a previous one.
   */
  readonly maxRatePerHour: number | null;
}

export interface EdgeQuery {
  readonly meterIds: readonly string[];
  readonly beforeMs: number;
  readonly afterMs: number;
  /** How far to look: [beforeMs − windowMs, beforeMs) and [afterMs, afterMs + windowMs). */
  readonly windowMs: number;
}

export interface EdgeReadings {
  readonly before: ReadonlyMap<string, Reading>;
  readonly after: ReadonlyMap<string, Reading>;
}
