import type { QuarantineRecord, Reading } from '../src/kernel/index.js';
import type { SpoolRecord } from './core/index.js';

/** Where drained readings and quarantine records go: the time-series store. */
export interface ReadingSink {
  /** Resolves once the store confirmed both lists; idempotent on (meter, ts) and quarantine id. */
  write(readings: readonly Reading[], quarantined: readonly QuarantineRecord[]): Promise<void>;
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
 * returns once the bytes reached the kernel (and the disk, with fsync 'always'),
 * which is what allows the PUBACK to go out.
 */
export interface Spool {
  append(records: readonly SpoolRecord[]): void;
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
