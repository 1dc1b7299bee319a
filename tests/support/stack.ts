import { join } from 'node:path';
import { createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startMosquitto, type MosquittoHandle } from './mosquitto.js';
import { eventually } from './eventually.js';
import { makeTempDir, removeTempDir } from './processes.js';
import { startQuestDb, type QuestDbHandle } from './questdb.js';
import { createService, type ServiceHandle } from './service.js';
import { meterId, readingTsMs, readingValue, testFleet } from './test-fleet.js';
import type { OutgoingMessage } from './publisher.js';

/** Real Mosquitto + real QuestDB + the service as a child process, in one temp dir. */
export interface Stack {
  readonly dir: string;
  readonly mosquitto: MosquittoHandle;
  readonly questdb: QuestDbHandle;
  readonly service: ServiceHandle;
  /** A store client of the test's own, to check what the service stored. */
  readonly store: ReadingStore;
  dispose(): Promise<void>;
}

export async function startStack(options: {
  meters: number;
  spool?: Record<string, unknown>;
  /** How long QuestDB may take to answer at start (startQuestDb's default unless given). */
  questdbStartTimeoutMs?: number;
  /** How long the service may take to answer /healthz at each start (createService's default unless given). */
  serviceReadyTimeoutMs?: number;
}): Promise<Stack> {
  const dir = await makeTempDir('tanhe-e2e-');
  const mosquitto = await startMosquitto();
  const questdb = await startQuestDb(
    options.questdbStartTimeoutMs === undefined ? {} : { startTimeoutMs: options.questdbStartTimeoutMs },
  );
  const service = await createService({
    dir,
    mqttUrl: mosquitto.url,
    store: { kind: 'questdb', questdbUrl: questdb.url },
    fleet: testFleet(options.meters),
    ...(options.spool ? { spool: options.spool } : {}),
    ...(options.serviceReadyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.serviceReadyTimeoutMs }),
  });
  await service.start();
  const store = createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 }));
  return {
    dir,
    mosquitto,
    questdb,
    service,
    store,
    async dispose() {
      await service.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      await mosquitto.dispose();
      await questdb.dispose();
      if (process.env.TANHE_KEEP_TEST_DIRS !== '1') await removeTempDir(dir);
      else console.error(`kept ${join(dir)}`);
    },
  };
}

/**
 * `perMeter` readings for each of `meters` meters, interleaved the way a fleet reports (by time, then meter),
 * from reading `firstSeq` on (a second wave in the same store starts where the first ended).
 */
export function readingMessages(meters: number, perMeter: number, firstSeq = 0): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  for (let seq = firstSeq; seq < firstSeq + perMeter; seq++) {
    for (let m = 0; m < meters; m++) {
      messages.push({
        topic: `meters/${meterId(m)}/readings`,
        payload: JSON.stringify({
          ts: new Date(readingTsMs(seq)).toISOString(),
          value: readingValue(m, seq),
          seq,
          unit: 'kWh',
        }),
      });
    }
  }
  return messages;
}

/**
 * Checks that every (meter, seq) of readingMessages(meters, perMeter, firstSeq) is stored
 * exactly once with its value; returns the problems found (empty when exact).
 */
export async function exactlyOnceProblems(
  store: ReadingStore,
  meters: number,
  perMeter: number,
  firstSeq = 0,
): Promise<string[]> {
  const problems: string[] = [];
  for (let m = 0; m < meters; m++) {
    const rows = await store.readings({
      meterId: meterId(m),
      fromMs: readingTsMs(firstSeq),
      toMs: readingTsMs(firstSeq + perMeter),
      limit: perMeter * 2,
    });
    const seen = new Map<number, number>();
    for (const row of rows) {
      const seq = row.seq ?? -1;
      seen.set(seq, (seen.get(seq) ?? 0) + 1);
      if (row.value !== readingValue(m, seq))
        problems.push(`${meterId(m)} seq ${seq}: value ${row.value}, expected ${readingValue(m, seq)}`);
      if (row.tsMs !== readingTsMs(seq))
        problems.push(`${meterId(m)} seq ${seq}: ts ${row.tsMs}, expected ${readingTsMs(seq)}`);
    }
    for (let seq = firstSeq; seq < firstSeq + perMeter; seq++) {
      const count = seen.get(seq) ?? 0;
      if (count !== 1) problems.push(`${meterId(m)} seq ${seq} stored ${count} times`);
    }
    if (problems.length > 20) break;
  }
  return problems;
}

/** Polls (after the store's WAL sync) until it holds `readings` readings and, when given, `quarantined` records. */
export async function waitUntilStored(
  store: ReadingStore,
  expected: { readings: number; quarantined?: number },
  what: string,
): Promise<void> {
  await eventually(
    async () => {
      await store.sync();
      const counts = await store.counts();
      if (
        counts.readings !== expected.readings ||
        (expected.quarantined !== undefined && counts.quarantined !== expected.quarantined)
      ) {
        throw new Error(`stored so far: ${JSON.stringify(counts)}`);
      }
    },
    { timeoutMs: 120_000, intervalMs: 500, message: what },
  );
}
