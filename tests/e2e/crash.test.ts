import { afterAll, beforeAll, expect, it } from 'vitest';
import { closePublisher, connectPublisher, publishAll } from '../support/publisher.js';
import { exactlyOnceProblems, readingMessages, waitUntilStored, startStack, type Stack } from '../support/stack.js';

const METERS = 20;
const PER_METER = 1000; // 20 000 readings

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ meters: METERS });
});
afterAll(async () => {
  await stack?.dispose();
});

it('stores every accepted reading exactly once although the service is killed (SIGKILL) twice mid-stream', async () => {
  const publisher = await connectPublisher(stack.mosquitto.url, 'e2e-crash-publisher');
  // Crashes run one after the other: each kill waits until the previous restart is up.
  let crashes: Promise<void> = Promise.resolve();
  let killed = 0;
  // Per restart: spool records found after the checkpoint, i.e. accepted (PUBACKed) but not yet confirmed by the store.
  const replayed: number[] = [];
  const crashAndRestart = async () => {
    await stack.service.kill();
    killed++;
    await stack.service.start();
    replayed.push((await stack.service.metrics()).tanhe_ingest_spool_replayed_total ?? 0);
  };
  await publishAll(publisher, readingMessages(METERS, PER_METER), {
    ratePerSecond: 2000,
    onAcked: (acked) => {
      if (acked === 5_000 || acked === 12_000) crashes = crashes.then(crashAndRestart);
    },
  });
  await crashes;
  await closePublisher(publisher);
  expect(killed).toBe(2);
  // The kills hit data that only the spool held (at 2 000 messages/s a batch is always in flight): the
  // exactly-once check below is then about replayed records, not about a kill between two batches.
  expect(replayed).toHaveLength(2);
  expect(Math.min(...replayed)).toBeGreaterThan(0);

  await waitUntilStored(stack.store, { readings: METERS * PER_METER }, 'all 20 000 readings stored');
  expect(await exactlyOnceProblems(stack.store, METERS, PER_METER)).toEqual([]);
  expect((await stack.store.counts()).quarantined).toBe(0);
  expect(await stack.mosquitto.sysDropped()).toBe(0);
});
