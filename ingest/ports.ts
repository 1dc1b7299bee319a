import type { QuarantineRecord, Reading, RejectionReason } from '../src/kernel/index.js';
import type { SpoolRecord } from './core/index.js';

/**
 * Where drained readings and quarantine records go: the time-series store.
 *
 * Writes are idempotent: a reading is keyed by (meterId, tsMs, value), so an exact
 * replay collapses into the stored row (its seq, arrival time and quality are
 * the last write's, as QuestDB's DEDUP UPSERT KEYS does) and a different value
 * for a stored (meterId, tsMs) is kept as a second row: history is never
 * replaced silently, the conflict is visible (`conflicts`) and accounting
 * resolves it (docs/methodology.md §2). A quarantine row is keyed by
 * (receivedAtMs, id). Replaying a spool segment after a crash therefore never
 * double-counts.
 */
export interface ReadingSink {
  /**
   * Resolves only when the store has confirmed both lists (for QuestDB: the HTTP
   * ILP request returned 2xx, i.e. the rows are in the WAL). Rejects with
   * AppError('STORE_UNAVAILABLE', retryable) when the store is down (timeout,
   * refused connection, 5xx, I/O error), and with AppError('STORE_QUERY_FAILED',
   * not retryable) when it refused rows of the request (QuestDB 4xx, a row that
   * cannot be encoded, a DuckDB constraint or conversion error): writing the same
   * rows again is refused again, so the drainer bisects instead of retrying.
   * A refused write stores nothing of the request.
   */
  write(readings: readonly Reading[], quarantined: readonly QuarantineRecord[]): Promise<void>;
}

/**
 * The readings and quarantine tables as read back: the HTTP meters, readings and
 * quarantine routes, and tests and reconciliation (`counts`, `sync`).
 */
export interface StoredReadings {
  /**
   * Raw readings of one meter with from <= tsMs < to, ascending by (tsMs, value)
   * (two values at one instant are both returned), at most `limit`, starting
   * after (`afterTsMs`, `afterValue`) when given (keyset paging).
   * Rows written are visible here once `write` resolved and `sync()` resolved.
   */
  readings(query: ReadingQuery): Promise<Reading[]>;
  /**
   * Raw readings of several meters with from <= tsMs < to in one store request (the
   * per-meter form costs one scan of the range per meter): per meter ascending by
   * (tsMs, value), each meter's first `limitPerMeter`. Meters without readings are absent.
   */
  readingsOfMeters(query: MeterReadingsQuery): Promise<Map<string, Reading[]>>;
  /** Quarantined records with from <= receivedAtMs < to, ascending, optionally one reason. */
  quarantine(query: QuarantineQuery): Promise<QuarantineRecord[]>;
  /**
   * Stored conflicts: (meter, device timestamp) with more than one value, with
   * from <= tsMs < to, ascending by (tsMs, meterId), values ascending, at most `limit`.
   */
  conflicts(query: ConflictQuery): Promise<StoredConflict[]>;
  /** Per meter: the latest device timestamp and its arrival time, and the row count. */
  meterSummaries(): Promise<Map<string, MeterSummary>>;
  /** Total rows, for tests and reconciliation. */
  counts(): Promise<{ readings: number; quarantined: number }>;
  /** Waits until every confirmed write is visible to queries (QuestDB applies its WAL asynchronously). */
  sync(): Promise<void>;
}

/**
 * Ingest's tables in one engine (ingest/adapters/*-reading-store.ts): the
 * writer, the read side, table creation, and the reachability check. Both
 * engines pass one contract suite (tests/contract/ingest-store.contract.ts).
 */
export interface ReadingStore extends ReadingSink, StoredReadings {
  /**
   * Creates the readings and quarantine tables if missing, and moves a readings
   * table of an earlier version (keyed on meter and timestamp only) to the
   * (meter, timestamp, value) key. Safe to call on every start.
   */
  init(): Promise<void>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  /** Releases what the store holds itself (QuestDB: its ILP sender); the engine client is closed by its owner. */
  close(): Promise<void>;
}

export interface ReadingQuery {
  readonly meterId: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
  readonly afterTsMs?: number;
  /** With afterTsMs: the page ended inside an instant with several values; continue after this one. */
  readonly afterValue?: number;
}

export interface MeterReadingsQuery {
  readonly meterIds: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly limitPerMeter: number;
}

export interface ConflictQuery {
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
}

/** Different values stored for one meter and device timestamp (reason `conflicting_duplicate`). */
export interface StoredConflict {
  readonly meterId: string;
  readonly tsMs: number;
  readonly values: readonly number[];
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

/** A position in the spool: segment number and byte offset in it. */
export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
}

export interface SpoolBatch {
  readonly records: SpoolRecord[];
  /** The position just after the last record of the batch; commit it once the batch is stored. */
  readonly end: SpoolPosition;
}

/**
 * The local durable spool between the MQTT handler and the store. `append`
 * stages the records (the appends of one event-loop turn share one write);
 * `durable()` resolves once they reached the kernel and are as safe as the fsync
 * policy promises (on disk with fsync 'always'). The PUBACK goes out only after
 * it (docs/durability.md).
 */
export interface Spool {
  /** Stages the records in append order; `read` sees them. Throws AppError SPOOL_IO only when closed. */
  append(records: readonly SpoolRecord[]): void;
  /**
   * Resolves when every record appended so far is written and durable as the policy promises: with fsync
   * 'always' after an fdatasync that covers it (one fdatasync serves every append made before it started:
   * group commit). Rejects with AppError SPOOL_IO when that write (e.g. ENOSPC: the records stay staged and
   * the next call retries) or fdatasync failed.
   */
  durable(): Promise<void>;
  /** Records after the read position, up to maxRecords; empty when caught up. Advances the read position. */
  read(maxRecords: number): SpoolBatch;
  /** Marks everything before `position` as stored: the checkpoint a restart replays from. */
  commit(position: SpoolPosition, records: number): void;
  /** Rewinds the read position to the checkpoint (after a failed store write is given up on). */
  rewind(): void;
  backlogBytes(): number;
  backlogRecords(): number;
  isFull(): boolean;
  /** Resolves when the backlog is below the bound again. */
  waitForSpace(): Promise<void>;
  /** Resolves at the next append, or after timeoutMs. */
  waitForData(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface IngestMetrics {
  messageReceived(): void;
  itemsAccepted(count: number): void;
  itemsQuarantined(reason: string, count: number): void;
  readingsStored(count: number): void;
  quarantineStored(count: number): void;
  duplicates(count: number): void;
  storeWriteFailed(): void;
  /** Rows (readings or quarantine records) the store refused, quarantined as store_refused. */
  storeRefused(count: number): void;
  backpressure(active: boolean): void;
  spoolBacklog(bytes: number, records: number): void;
  flushLatency(seconds: number): void;
}

/** The subset of a pino logger the use cases need. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Clock {
  nowMs(): number;
}
