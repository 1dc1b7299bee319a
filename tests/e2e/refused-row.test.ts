import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbReadingStore, createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { closePublisher, connectPublisher, publishAll, type OutgoingMessage } from '../support/publisher.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { exactlyOnceProblems, readingMessages, waitUntilStored } from '../support/stack.js';
import { meterId, testFleet } from '../support/test-fleet.js';

// Rows that validation lets through but the store refuses: a device time before 1970 given as an
// ISO string (validation accepts ISO instants from the year 100 on; only epoch numbers have a 2000
// floor). QuestDB cannot store a designated timestamp before the epoch and answers 400; the DuckDB
// file is created with a CHECK on the same bound, as a site mirroring the production store would.
// Before issue 12 either refusal stopped the service, and a restart replayed the same batch forever.
const METERS = 6;
const FIRST_WAVE = 100;
const SECOND_WAVE = 20;
const REFUSED = 12;

function refusedMessages(): OutgoingMessage[] {
  return Array.from({ length: REFUSED }, (_, i) => ({
    topic: `meters/${meterId(i % METERS)}/readings`,
    payload: JSON.stringify({ ts: new Date(Date.UTC(1969, 11, 31, 0, i * 15)).toISOString(), value: 7 + i }),
  }));
}

/** The good readings with the refused ones spread among them, so that each refused row shares a batch with good ones. */
function interleaved(good: readonly OutgoingMessage[], refused: readonly OutgoingMessage[]): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  const step = Math.floor(good.length / (refused.length + 1));
  good.forEach((m, i) => {
    out.push(m);
    if ((i + 1) % step !== 0) return;
    const r = refused[(i + 1) / step - 1];
    if (r) out.push(r);
  });
  return out;
}

interface Engine {
  readonly name: 'questdb' | 'duckdb';
  setUp(dir: string): Promise<{ storeConfig: { kind: 'questdb'; questdbUrl: string } | { kind: 'duckdb' } }>;
  /** A store client of the test's own; DuckDB's file is single-process, so it opens only once the service stopped. */
  openStore(dir: string): Promise<ReadingStore>;
  tearDown(): Promise<void>;
}

let questdb: QuestDbHandle | undefined;
let duckdb: DuckDbClient | undefined;
const engines: Engine[] = [
  {
    name: 'questdb',
    async setUp() {
      questdb = await startQuestDb();
      return { storeConfig: { kind: 'questdb', questdbUrl: questdb.url } };
    },
    async openStore() {
      if (!questdb) throw new Error('QuestDB is not running');
      return createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 }));
    },
    async tearDown() {
      await questdb?.dispose();
    },
  },
  {
    name: 'duckdb',
    async setUp(dir) {
      const client = createDuckDbClient({ path: join(dir, 'store.duckdb') });
      await client.run(async (connection) => {
        await connection.run(`CREATE TABLE readings (meter_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL
          CHECK (ts >= TIMESTAMPTZ '1970-01-01 00:00:00+00'), value DOUBLE NOT NULL, seq BIGINT,
          received_at TIMESTAMPTZ NOT NULL, quality VARCHAR NOT NULL, PRIMARY KEY (meter_id, ts, value))`);
      });
      await client.close();
      return { storeConfig: { kind: 'duckdb' } };
    },
    async openStore(dir) {
      duckdb = createDuckDbClient({ path: join(dir, 'store.duckdb') });
      return createDuckDbReadingStore(duckdb);
    },
    async tearDown() {
      await duckdb?.close();
    },
  },
];

describe.each(engines)('a row the store refuses ($name)', (engine) => {
  let dir: string;
  let mosquitto: MosquittoHandle;
  let service: ServiceHandle;

  beforeAll(async () => {
    dir = await makeTempDir(`tanhe-refused-${engine.name}-`);
    mosquitto = await startMosquitto();
    const { storeConfig } = await engine.setUp(dir);
    service = await createService({
      dir,
      mqttUrl: mosquitto.url,
      store: storeConfig,
      fleet: testFleet(METERS),
      clientId: `refused-${engine.name}`,
    });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await mosquitto?.dispose();
    await engine.tearDown();
    if (dir) await removeTempDir(dir);
  });

  it('is quarantined as store_refused with the store message while every other reading is stored and ingest goes on', async () => {
    const all = readingMessages(METERS, FIRST_WAVE + SECOND_WAVE);
    const firstWave = all.slice(0, METERS * FIRST_WAVE);
    const publisher = await connectPublisher(mosquitto.url, `refused-${engine.name}-publisher`);
    await publishAll(publisher, interleaved(firstWave, refusedMessages()));

    const stored = async () => (await service.metrics()).tanhe_ingest_readings_stored_total ?? 0;
    await eventually(async () => expect(await stored()).toBe(METERS * FIRST_WAVE), {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'the first wave stored around the refused rows',
    });
    const refusedTotal = (await service.metrics()).tanhe_ingest_store_refused_total;
    expect(refusedTotal).toBe(REFUSED);

    // Ingest goes on after the refusals: a second wave is stored by the same process.
    await publishAll(publisher, all.slice(METERS * FIRST_WAVE));
    await closePublisher(publisher);
    await eventually(async () => expect(await stored()).toBe(METERS * (FIRST_WAVE + SECOND_WAVE)), {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'the second wave stored',
    });

    // The counters reconcile: every accepted item is stored, a duplicate, or quarantined after spooling.
    const metrics = await service.metrics();
    expect(metrics.tanhe_ingest_items_accepted_total).toBe(METERS * (FIRST_WAVE + SECOND_WAVE) + REFUSED);
    expect(metrics.tanhe_ingest_items_received_total).toBe(METERS * (FIRST_WAVE + SECOND_WAVE) + REFUSED);
    expect(
      (metrics.tanhe_ingest_readings_stored_total ?? 0) +
        (metrics.tanhe_ingest_duplicates_total ?? 0) +
        (metrics.tanhe_ingest_items_quarantined_total ?? 0),
    ).toBe(metrics.tanhe_ingest_items_accepted_total);
    expect(metrics.tanhe_spool_backlog_records).toBe(0);
    // Nothing was replayed: the service never restarted over the refused batch.
    expect(metrics.tanhe_ingest_spool_replayed_total ?? 0).toBe(0);

    await service.stop();
    const store = await engine.openStore(dir);
    try {
      await waitUntilStored(
        store,
        { readings: METERS * (FIRST_WAVE + SECOND_WAVE), quarantined: REFUSED },
        'stored rows after the stop',
      );
      expect(await exactlyOnceProblems(store, METERS, FIRST_WAVE + SECOND_WAVE)).toEqual([]);
      const quarantined = await store.quarantine({ fromMs: 0, toMs: Date.now() + 60_000, limit: 100 });
      expect(quarantined.map((q) => q.reason)).toEqual(Array.from({ length: REFUSED }, () => 'store_refused'));
      const refusedValues = quarantined.map((q) => (JSON.parse(q.payload) as { value: number }).value);
      expect(refusedValues.sort((a, b) => a - b)).toEqual(Array.from({ length: REFUSED }, (_, i) => 7 + i));
      for (const q of quarantined) {
        // The store's own message follows our prefix.
        expect(q.detail).toMatch(/^the store refused the reading: .{10,}/);
        expect(q.meterId).toMatch(/^m00\d$/);
      }
    } finally {
      await store.close();
    }
  });
});
