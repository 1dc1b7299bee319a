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
 * The MQTT message handler. It validates the message and appends its outcome
 * (accepted readings and quarantine records alike) to the durable spool; when it
 * returns, the PUBACK may go out. When the spool is full it waits first: the
 * broker then holds (and queues) further messages, which is the back-pressure.
 */
export function createMessageReceiver(deps: ReceiveDeps) {
  let quarantineCounter = 0;
  const warnedMeters = new Set<string>();

  return async function receive(topic: string, payload: Uint8Array): Promise<void> {
    if (deps.spool.isFull()) {
      deps.metrics.backpressure(true);
      deps.log.warn(
        { backlogBytes: deps.spool.backlogBytes() },
        'spool full: holding acknowledgements until the store catches up',
      );
      await deps.spool.waitForSpace();
      deps.metrics.backpressure(false);
      deps.log.info({ backlogBytes: deps.spool.backlogBytes() }, 'spool has room again: acknowledging');
    }
    const receivedAtMs = deps.clock.nowMs();
    const outcome = processMessage(topic, payload, {
      directory: deps.directory,
      topics: deps.topics,
      limits: deps.limits,
      nowMs: receivedAtMs,
    });

    const records: SpoolRecord[] = outcome.accepted.map((item) => ({
      kind: 'reading',
      reading: { ...item, receivedAtMs, quality: 'ok' },
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
    // With fsync 'always' this waits for the group commit that covers the append (others join it meanwhile).
    await deps.spool.durable();
    deps.metrics.messageReceived();
    deps.metrics.itemsAccepted(outcome.accepted.length);
  };
}
