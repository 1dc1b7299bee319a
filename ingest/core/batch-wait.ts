/** What the spool drainer knows when it decides whether a batch goes now. */
export interface BatchState {
  /** Records in the spool not yet written. */
  readonly backlogRecords: number;
  /** Since the last confirmed write ended. */
  readonly elapsedMs: number;
  /** How long the last write took (spool read, encoding, the store's confirmation). */
  readonly lastWriteDurationMs: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
}

/** How long a batch may wait for more records when the store is slow, in flush intervals. */
export const LINGER_FACTOR = 5;
/** The share of batchSize a slow store's batch waits for before it goes. */
export const MIN_BATCH_FRACTION = 0.2;

/**
 * How long the drainer waits for a fuller batch: 0 when the batch goes now. Each store write has a
 * fixed cost (QuestDB commits a WAL transaction and applies it, with DEDUP a merge per commit), so
 * batches of a few readings waste the store and the event loop. While the store answers fast, a batch
 * goes flushIntervalMs after the last write (light load keeps its latency). When the last write took
 * half the interval or more (a busy store or machine), commits are what costs: the batch waits for
 * MIN_BATCH_FRACTION of batchSize, up to LINGER_FACTOR × flushIntervalMs, so the store sees fewer,
 * larger transactions (bench/README.md, issue 11 §2: QuestDB's CPU per row is ~5× lower at 2 000 rows
 * per commit than at 400). A full batch always goes at once.
 */
export function batchWaitMs(state: BatchState): number {
  const { backlogRecords, elapsedMs, batchSize, flushIntervalMs } = state;
  if (backlogRecords >= batchSize) return 0;
  const slowStore = state.lastWriteDurationMs * 2 >= flushIntervalMs;
  const lingerMs = slowStore ? flushIntervalMs * LINGER_FACTOR : flushIntervalMs;
  const minBatch = slowStore ? Math.ceil(batchSize * MIN_BATCH_FRACTION) : 1;
  const untilMs = backlogRecords >= minBatch ? flushIntervalMs : lingerMs;
  return Math.max(0, untilMs - elapsedMs);
}
