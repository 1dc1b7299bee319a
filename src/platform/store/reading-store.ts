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
