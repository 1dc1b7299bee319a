import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { closePublisher, connectPublisher, publishAll } from '../support/publisher.js';
import { exactlyOnceProblems, readingMessages, waitUntilStored, startStack, type Stack } from '../support/stack.js';

// README ("Ingest in one paragraph", "/readyz"): when the spool is full, acknowledgements stop, the broker
// queues what the meters send, /readyz is 503 meanwhile, and once the store is back ingest resumes with
// nothing lost and nothing duplicated. The spool's bound is small here (20 kB, about a hundred readings), so
// that the store's outage fills it at once.

const METERS = 10;
const FIRST = 50;
const HELD = 300; // 3 000 readings while QuestDB is down: far more than the spool holds
const SPOOL_MAX_BYTES = 20_000;
/** Messages Mosquitto holds (queued or in flight) for all its clients. */
const BROKER_STORED = '$SYS/broker/store/messages/count';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    meters: METERS,
    spool: { maxBytes: SPOOL_MAX_BYTES },
    questdbStartTimeoutMs: 180_000,
    serviceReadyTimeoutMs: 180_000,
  });
}, 300_000);
afterAll(async () => {
  await stack?.dispose();
});

interface ReadyBody {
  spool: { full: boolean; backlogBytes: number };
}

it('a full spool stops the PUBACKs, the broker queues, /readyz 503; store back: all stored once', async () => {
  const publisher = await connectPublisher(stack.mosquitto.url, 'e2e-backpressure-publisher');
  await publishAll(publisher, readingMessages(METERS, FIRST));
  await waitUntilStored(stack.store, { readings: METERS * FIRST }, 'the first wave stored');
  const queuedBefore = await stack.mosquitto.sysNumber(BROKER_STORED);

  await stack.questdb.stop();
  // The broker acknowledges the publisher whatever the service does: publishAll resolves with the wave queued.
  await publishAll(publisher, readingMessages(METERS, HELD, FIRST), { ratePerSecond: 500 });

  // The spool is at its bound and the service has stopped acknowledging: what it accepted stays put across
  // a $SYS refresh of the broker, while the broker holds the rest of the wave.
  const ready = await eventually(
    async () => {
      const response = await fetch(`${stack.service.httpUrl}/readyz`);
      const body = (await response.json()) as ReadyBody;
      if (response.status !== 503 || !body.spool.full) throw new Error(`readyz ${response.status}`);
      return body;
    },
    { timeoutMs: 30_000, message: '/readyz 503 with the spool full' },
  );
  expect(ready.spool.backlogBytes).toBeGreaterThanOrEqual(SPOOL_MAX_BYTES);
  const held = await stack.service.metrics();
  const queued = await stack.mosquitto.sysNumber(BROKER_STORED);
  const stillHeld = await stack.service.metrics();
  expect(held.tanhe_ingest_backpressure).toBe(1);
  expect(stillHeld.tanhe_ingest_items_accepted_total).toBe(held.tanhe_ingest_items_accepted_total);
  const accepted = held.tanhe_ingest_items_accepted_total ?? 0;
  // Accepted: the first wave and about a spool's worth of the second; the broker holds the rest.
  expect(accepted - METERS * FIRST).toBeLessThan(1000);
  expect(queued - queuedBefore).toBeGreaterThan(METERS * HELD - 1000);

  await stack.questdb.start();
  await waitUntilStored(
    stack.store,
    { readings: METERS * (FIRST + HELD) },
    'every reading stored once the store is back',
  );
  expect(await exactlyOnceProblems(stack.store, METERS, FIRST + HELD)).toEqual([]);
  await closePublisher(publisher);
  await eventually(
    async () => {
      const response = await fetch(`${stack.service.httpUrl}/readyz`);
      if (response.status !== 200) throw new Error(`readyz ${response.status}`);
    },
    { timeoutMs: 60_000, message: '/readyz 200 again' },
  );
  const after = await stack.service.metrics();
  expect(after.tanhe_ingest_backpressure).toBe(0);
  expect(after.tanhe_ingest_backpressure_events_total).toBeGreaterThan(0);
  // Stored exactly once. A message held unacknowledged may be delivered again (QoS 1 is at least once, e.g.
  // after the connection was renewed meanwhile): it is then accepted twice and counted as a duplicate by the
  // store, and the counters reconcile (docs/reliability.md).
  expect(after.tanhe_ingest_readings_stored_total).toBe(METERS * (FIRST + HELD));
  expect(after.tanhe_ingest_items_accepted_total).toBe(
    (after.tanhe_ingest_readings_stored_total ?? 0) + (after.tanhe_ingest_duplicates_total ?? 0),
  );
  expect(await stack.mosquitto.sysDropped()).toBe(0);
});
