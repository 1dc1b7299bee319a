import { isAppError, type QuarantineRecord, type Reading } from '../src/kernel/index.js';
import { RecentKeys } from './core/index.js';
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
    if (!(await writeWithRetry(readings, quarantined))) {
      deps.spool.rewind();
      return false;
    }
    deps.spool.commit(batch.end, batch.records.length);
    deps.metrics.flushLatency((deps.clock.nowMs() - startedMs) / 1000);
    deps.metrics.readingsStored(readings.length);
    deps.metrics.quarantineStored(quarantined.length);
    deps.metrics.duplicates(duplicates);
    deps.metrics.spoolBacklog(deps.spool.backlogBytes(), deps.spool.backlogRecords());
    return true;
  }

  /**
   * Under light load, waits (up to flushIntervalMs after the last write) for a
   * fuller batch: each store write and checkpoint has a fixed cost, so batches
   * of a few readings would waste the store and the event loop. Under heavy
   * load the backlog reaches batchSize and the wait ends at once.
   */
  async function waitForBatch(lastWriteMs: number) {
    for (;;) {
      const remainingMs = lastWriteMs + deps.flushIntervalMs - deps.clock.nowMs();
      if (stopping || deps.spool.backlogRecords() >= deps.batchSize || remainingMs <= 0) return;
      await deps.spool.waitForData(remainingMs);
    }
  }

  async function runLoop() {
    let lastWriteMs = 0;
    while (!(stopping && (deps.spool.backlogRecords() === 0 || deps.clock.nowMs() >= deadline))) {
      await waitForBatch(lastWriteMs);
      const wrote = await drainOnce();
      if (wrote) lastWriteMs = deps.clock.nowMs();
      else if (stopping) break;
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
