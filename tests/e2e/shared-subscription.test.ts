import { afterAll, beforeAll, expect, it } from 'vitest';
import { createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { closePublisher, connectPublisher, publishAll } from '../support/publisher.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { exactlyOnceProblems, readingMessages, waitUntilStored } from '../support/stack.js';
import { testFleet } from '../support/test-fleet.js';

// Scale-out (docs/scaling.md): two workers share one subscription; one is killed
// mid-stream and restarted by its supervisor. Nothing is lost or stored twice.
const METERS = 10;
const PER_METER = 800;

let dir: string;
let mosquitto: MosquittoHandle;
let questdb: QuestDbHandle;
let workers: ServiceHandle[];
let store: ReadingStore;

beforeAll(async () => {
  dir = await makeTempDir('tanhe-shared-');
  mosquitto = await startMosquitto();
  questdb = await startQuestDb();
  workers = await Promise.all(
    ['worker-a', 'worker-b'].map((clientId) =>
      createService({
        dir,
        mqttUrl: mosquitto.url,
        store: { kind: 'questdb', questdbUrl: questdb.url },
        fleet: testFleet(METERS),
        clientId,
        sharedGroup: 'tanhe',
      }),
    ),
  );
  for (const worker of workers) await worker.start();
  store = createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 }));
});
afterAll(async () => {
  for (const worker of workers ?? []) await worker.stop().catch(() => undefined);
  await store?.close();
  await mosquitto?.dispose();
  await questdb?.dispose();
  if (dir) await removeTempDir(dir);
});

it('splits the stream between two workers and loses nothing when one is killed and restarted', async () => {
  const [a, b] = workers as [ServiceHandle, ServiceHandle];
  const publisher = await connectPublisher(mosquitto.url, 'e2e-shared-publisher');
  let crash: Promise<void> | undefined;
  await publishAll(publisher, readingMessages(METERS, PER_METER), {
    ratePerSecond: 1500,
    onAcked: (acked) => {
      if (acked === 3000) crash = b.kill();
    },
  });
  await crash;
  await closePublisher(publisher);
  // Messages the broker had routed to the killed worker wait in its persistent session.
  await b.start();

  await waitUntilStored(store, { readings: METERS * PER_METER }, 'all readings stored by the two workers');
  expect(await exactlyOnceProblems(store, METERS, PER_METER)).toEqual([]);
  const [metricsA, metricsB] = await Promise.all([a.metrics(), b.metrics()]);
  // Both workers took part (worker b's counters restarted with it, so it has at least its post-restart share).
  expect(metricsA.tanhe_ingest_items_accepted_total).toBeGreaterThan(0);
  expect(metricsA.tanhe_ingest_items_accepted_total).toBeLessThan(METERS * PER_METER);
  expect(
    (metricsB.tanhe_ingest_items_accepted_total ?? 0) + (metricsB.tanhe_ingest_spool_replayed_total ?? 0),
  ).toBeGreaterThan(0);
  expect(await mosquitto.sysDropped()).toBe(0);
});
