import { isAppError, type AppError, type QuarantineRecord, type Reading } from '../src/kernel/index.js';
import { batchWaitMs, RecentKeys, refusedQuarantineRecord, refusedReadingRecord } from './core/index.js';
import type { Clock, IngestMetrics, Logger, ReadingSink, Spool } from './ports.js';

export interface DrainDeps {
  readonly spool: Spool;
  readonly sink: ReadingSink;
  readonly metrics: IngestMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  readonly batchSize: number;
  /** How long to wait for a fuller batch when the backlog is small. */
  readonly flushIntervalMs: number;
  readonly recentKeysPerMeter: number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

export interface SpoolDrainer {
  /** Runs until stop(); resolves when the loop has ended. */
  run(): Promise<void>;
  /** Stops after draining what is in the spool, or at the deadline (the rest is replayed at the next start). */
  stop(deadlineMs?: number): Promise<void>;
  /** True while the last store write failed and the drainer is retrying. */
  storeDown(): boolean;
}

/**
 * Drains the spool into the store in batches. The checkpoint advances only after
 * the store confirmed a batch, so a crash at any point replays at most the
 * unconfirmed batches, which the store de-duplicates on (meter, ts). A store
 * outage is retried with capped exponential back-off, forever: the spool bound
 * and broker back-pressure take the load meanwhile.
 *
 * A batch the store refuses (STORE_QUERY_FAILED: QuestDB answered 4xx, a DuckDB
 * constraint or conversion error) is deterministic, so retrying it cannot help and
 * stopping would replay it forever: the batch is bisected until the refused rows are
 * isolated, the rest is stored, and each refused row is quarantined as
 * `store_refused` with the store's message (docs/reliability.md). Only a store that
 * refuses even that quarantine record stops the drainer.
 */
export function createSpoolDrainer(deps: DrainDeps): SpoolDrainer {
  const recent = new RecentKeys(deps.recentKeysPerMeter);
  const retry = deps.retry ?? { initialMs: 200, maxMs: 5000 };
  let stopping = false;
  let deadline = Number.POSITIVE_INFINITY;
  let failing = false;
  let wakeSleep: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleep = undefined;
        resolve();
      }
      wakeSleep = done;
    });

  async function writeWithRetry(readings: Reading[], quarantined: QuarantineRecord[]): Promise<boolean> {
    let delayMs = retry.initialMs;
    for (;;) {
      try {
        await deps.sink.write(readings, quarantined);
        if (failing) deps.log.info({}, 'store is writable again');
        failing = false;
        return true;
      } catch (error) {
        deps.metrics.storeWriteFailed();
        if (!isAppError(error) || !error.retryable) throw error;
        if (!failing) deps.log.warn({ err: error }, 'store write failed; retrying with back-off');
        failing = true;
        if (stopping && deps.clock.nowMs() >= deadline) return false;
        await sleep(delayMs);
        delayMs = Math.min(delayMs * 2, retry.maxMs);
      }
    }
  }

  /** What a batch's writes did, counted once the whole batch is confirmed (metrics stay exact on a rewind). */
  interface Written {
    readings: number;
    quarantined: number;
    refusedReadings: number;
    refusedRecords: number;
  }
  type Item = { readonly reading: Reading } | { readonly record: QuarantineRecord };

  /**
   * Writes the items; when the store refuses them, halves and writes each half,
   * down to single items, which are quarantined. A batch with k refused rows out
   * of n takes about 2·k·log2(n) writes. False when the stop deadline passed.
   */
  async function writeOrBisect(items: readonly Item[], written: Written): Promise<boolean> {
    const readings = items.flatMap((i) => ('reading' in i ? [i.reading] : []));
    const quarantined = items.flatMap((i) => ('record' in i ? [i.record] : []));
    return writeBatchOrBisect(readings, quarantined, () => items, written);
  }

  /**
   * writeOrBisect for a batch whose readings and records are at hand: the items (an object and two arrays per
   * row) are made only when the store refuses the batch, so a batch it accepts costs no more than its write.
   */
  async function writeBatchOrBisect(
    readings: Reading[],
    quarantined: QuarantineRecord[],
    items: () => readonly Item[],
    written: Written,
  ): Promise<boolean> {
    try {
      if (!(await writeWithRetry(readings, quarantined))) return false;
      written.readings += readings.length;
      written.quarantined += quarantined.length;
      return true;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const all = items();
      const [only] = all;
      // Nothing to blame: the refusal is the store's, not a row's.
      if (only === undefined) throw error;
      if (all.length === 1) return quarantineRefused(only, error, written);
      const half = Math.ceil(all.length / 2);
      return (await writeOrBisect(all.slice(0, half), written)) && writeOrBisect(all.slice(half), written);
    }
  }

  async function quarantineRefused(item: Item, refusal: AppError, written: Written): Promise<boolean> {
    const record =
      'reading' in item
        ? refusedReadingRecord(item.reading, refusal.message)
        : refusedQuarantineRecord(item.record, refusal.message);
    deps.log.warn(
      { meterId: record.meterId, id: record.id, err: refusal },
      'the store refused a row; it is quarantined as store_refused and ingest goes on',
    );
    // A refusal of this record too means the quarantine table itself cannot be written: that stops the drainer.
    if (!(await writeWithRetry([], [record]))) return false;
    written.quarantined += 1;
    if ('reading' in item) written.refusedReadings += 1;
    else written.refusedRecords += 1;
    return true;
  }

  async function drainOnce(): Promise<boolean> {
    const batch = deps.spool.read(deps.batchSize);
    if (batch.records.length === 0) return false;
    const readings: Reading[] = [];
    const quarantined: QuarantineRecord[] = [];
    let duplicates = 0;
    for (const record of batch.records) {
      if (record.kind === 'quarantine') {
        quarantined.push(record.record);
        continue;
      }
      const r = record.reading;
      const verdict = recent.check(r.meterId, r.tsMs, r.value);
      if (verdict === 'duplicate') duplicates++;
      else if (verdict === 'conflict') {
        // Same meter and time, another value: keep the first, quarantine the second for review.
        quarantined.push({
          id: `conflict-${r.meterId}-${r.tsMs}-${r.value}`,
          receivedAtMs: r.receivedAtMs,
          topic: '',
          meterId: r.meterId,
          reason: 'conflicting_duplicate',
          detail: `a reading for ${new Date(r.tsMs).toISOString()} with another value was stored first`,
          payload: JSON.stringify({ ts: r.tsMs, value: r.value, seq: r.seq }),
        });
        deps.metrics.itemsQuarantined('conflicting_duplicate', 1);
      } else {
        recent.remember(r.meterId, r.tsMs, r.value);
        readings.push(r);
      }
    }
    const startedMs = deps.clock.nowMs();
    const written: Written = { readings: 0, quarantined: 0, refusedReadings: 0, refusedRecords: 0 };
    const items = (): Item[] => [
      ...readings.map((reading) => ({ reading })),
      ...quarantined.map((record) => ({ record })),
    ];
    if (!(await writeBatchOrBisect(readings, quarantined, items, written))) {
      deps.spool.rewind();
      return false;
    }
    deps.spool.commit(batch.end, batch.records.length);
    deps.metrics.flushLatency((deps.clock.nowMs() - startedMs) / 1000);
    deps.metrics.readingsStored(written.readings);
    deps.metrics.quarantineStored(written.quarantined);
    deps.metrics.duplicates(duplicates);
    const refused = written.refusedReadings + written.refusedRecords;
    if (refused > 0) {
      // A refused reading becomes a quarantined item; a refused quarantine record was counted as one already.
      if (written.refusedReadings > 0) deps.metrics.itemsQuarantined('store_refused', written.refusedReadings);
      deps.metrics.storeRefused(refused);
    }
    deps.metrics.spoolBacklog(deps.spool.backlogBytes(), deps.spool.backlogRecords());
    return true;
  }

  /** Waits for a fuller batch, as long as batchWaitMs says (ingest/core/batch-wait.ts). */
  async function waitForBatch(lastWriteMs: number, lastWriteDurationMs: number) {
    for (;;) {
      if (stopping) return;
      const waitMs = batchWaitMs({
        backlogRecords: deps.spool.backlogRecords(),
        elapsedMs: deps.clock.nowMs() - lastWriteMs,
        lastWriteDurationMs,
        batchSize: deps.batchSize,
        flushIntervalMs: deps.flushIntervalMs,
      });
      if (waitMs <= 0) return;
      await deps.spool.waitForData(waitMs);
    }
  }

  async function runLoop() {
    let lastWriteMs = 0;
    let lastWriteDurationMs = 0;
    while (!(stopping && (deps.spool.backlogRecords() === 0 || deps.clock.nowMs() >= deadline))) {
      await waitForBatch(lastWriteMs, lastWriteDurationMs);
      const startedMs = deps.clock.nowMs();
      const wrote = await drainOnce();
      if (wrote) {
        lastWriteMs = deps.clock.nowMs();
        lastWriteDurationMs = lastWriteMs - startedMs;
      } else if (stopping) break;
      else await deps.spool.waitForData(deps.flushIntervalMs);
    }
    deps.metrics.spoolBacklog(deps.spool.backlogBytes(), deps.spool.backlogRecords());
  }

  return {
    run() {
      loop ??= runLoop();
      return loop;
    },
    async stop(deadlineMs = 10_000) {
      stopping = true;
      deadline = deps.clock.nowMs() + deadlineMs;
      wakeSleep?.();
      await loop;
    },
    storeDown: () => failing,
  };
}

/** A deterministic refusal of the rows written, as opposed to the store being unavailable (retryable). */
function isRefusal(error: unknown): error is AppError {
  return isAppError(error) && error.code === 'STORE_QUERY_FAILED' && !error.retryable;
}
