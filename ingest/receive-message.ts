import { setTimeout as delay } from 'node:timers/promises';
import type { QuarantineRecord } from '../src/kernel/index.js';
import {
  processMessage,
  type IngestLimits,
  type MeterDirectory,
  type SpoolRecord,
  type TopicFilters,
} from './core/index.js';
import type { Clock, IngestMetrics, Logger, Spool } from './ports.js';

export interface ReceiveDeps {
  readonly spool: Spool;
  readonly directory: MeterDirectory;
  readonly topics: TopicFilters;
  readonly limits: IngestLimits;
  readonly clock: Clock;
  readonly metrics: IngestMetrics;
  readonly log: Logger;
  /** Unique per process start: quarantine ids must never collide across replicas or restarts. */
  readonly instanceId: string;
}

/**
 * The MQTT message handler: resolves when the message's PUBACK may go out. `holding()` is true while a call
 * waits for spool space or disk room: the subscriber then hands over no further message on that connection
 * until it resolves, so that the broker holds (and queues) them, which is the back-pressure.
 */
export interface MessageReceiver {
  (topic: string, payload: Uint8Array): Promise<void>;
  holding(): boolean;
}

/**
 * The MQTT message handler. It validates the message and appends its outcome
 * (accepted readings and quarantine records alike) to the durable spool; when it
 * resolves (the spool's write that holds the message returned, with fsync 'always'
 * its fdatasync too), the PUBACK may go out. The append itself happens before the
 * first wait, so that the subscriber may hand over the next message at once and a
 * turn's messages share one spool write. When the spool is full it waits first.
 */
export function createMessageReceiver(deps: ReceiveDeps): MessageReceiver {
  let quarantineCounter = 0;
  const warnedMeters = new Set<string>();
  const held = { calls: 0 };

  async function receive(topic: string, payload: Uint8Array): Promise<void> {
    if (deps.spool.isFull()) {
      held.calls++;
      try {
        deps.metrics.backpressure(true);
        deps.log.warn(
          { backlogBytes: deps.spool.backlogBytes() },
          'spool full: holding acknowledgements until the store catches up',
        );
        await deps.spool.waitForSpace();
        deps.metrics.backpressure(false);
        deps.log.info({ backlogBytes: deps.spool.backlogBytes() }, 'spool has room again: acknowledging');
      } finally {
        held.calls--;
      }
    }
    const receivedAtMs = deps.clock.nowMs();
    const outcome = processMessage(topic, payload, {
      directory: deps.directory,
      topics: deps.topics,
      limits: deps.limits,
      nowMs: receivedAtMs,
    });

    // The reading's fields named rather than spread: every record gets the one shape a Reading has.
    const records: SpoolRecord[] = outcome.accepted.map((item) => ({
      kind: 'reading',
      reading: {
        meterId: item.meterId,
        tsMs: item.tsMs,
        value: item.value,
        seq: item.seq,
        receivedAtMs,
        quality: 'ok',
      },
    }));
    for (const rejection of outcome.rejected) {
      const record: QuarantineRecord = {
        id: `${deps.instanceId}-${++quarantineCounter}`,
        receivedAtMs,
        topic,
        ...rejection,
      };
      records.push({ kind: 'quarantine', record });
      deps.metrics.itemsQuarantined(rejection.reason, 1);
      // Data problems are logged once per meter (or topic) per process, not per message.
      const key = `${rejection.meterId ?? topic}:${rejection.reason}`;
      if (!warnedMeters.has(key)) {
        warnedMeters.add(key);
        deps.log.warn(
          { topic, meterId: rejection.meterId, reason: rejection.reason, detail: rejection.detail },
          'payload quarantined',
        );
      }
    }
    deps.spool.append(records);
    // The turn's write that holds the append; with fsync 'always' the group commit that covers it too.
    await durableWhenDiskHasRoom(deps, held);
    deps.metrics.messageReceived();
    deps.metrics.itemsAccepted(outcome.accepted.length);
  }
  return Object.assign(receive, { holding: () => held.calls > 0 });
}

const DISK_FULL_RETRY_FIRST_MS = 50;
const DISK_FULL_RETRY_MAX_MS = 2_000;

/**
 * A full spool disk is back-pressure, like the spool's own bound: the failed write stays staged in the spool
 * (nothing of it stays in the segment) and is retried until the disk has room, and the PUBACK waits
 * meanwhile, so the broker holds the messages. Exiting instead (as before) made a supervisor restart the
 * service into the same full disk.
 */
async function durableWhenDiskHasRoom(deps: ReceiveDeps, holding: { calls: number }): Promise<void> {
  let waitMs = DISK_FULL_RETRY_FIRST_MS;
  let held = false;
  try {
    for (;;) {
      try {
        await deps.spool.durable();
        break;
      } catch (error) {
        if (!isDiskFull(error)) throw error;
        if (!held) {
          held = true;
          holding.calls++;
          deps.metrics.backpressure(true);
          deps.log.warn({ err: error }, 'spool disk full: holding acknowledgements until it has room');
        }
      }
      await delay(waitMs);
      waitMs = Math.min(waitMs * 2, DISK_FULL_RETRY_MAX_MS);
    }
  } finally {
    if (held) holding.calls--;
  }
  if (held) {
    deps.metrics.backpressure(false);
    deps.log.info({ backlogBytes: deps.spool.backlogBytes() }, 'spool disk has room again: acknowledging');
  }
}

/** ENOSPC (or a quota: EDQUOT) anywhere in the error's cause chain. */
function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
