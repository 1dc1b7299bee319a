import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { closePublisher, connectPublisher, publishAll } from '../support/publisher.js';
import { exactlyOnceProblems, readingMessages, waitUntilStored, startStack, type Stack } from '../support/stack.js';

// README ("Ingest in one paragraph") and src/app.ts: a SIGTERM stops taking messages and drains the spool into
// the store before the process exits. QuestDB is paused (SIGSTOP) while a wave is published, so that the spool
// surely holds rows the store has not confirmed when the SIGTERM comes; it runs again once the drain has begun.

const METERS = 10;
const FIRST = 100;
const HELD = 300;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ meters: METERS, questdbStartTimeoutMs: 180_000, serviceReadyTimeoutMs: 180_000 });
}, 300_000);
afterAll(async () => {
  stack?.questdb.resume();
  await stack?.dispose();
});

it('a SIGTERM while the spool holds unconfirmed rows drains them to the store, then exits 0', async () => {
  const publisher = await connectPublisher(stack.mosquitto.url, 'e2e-sigterm-publisher');
  await publishAll(publisher, readingMessages(METERS, FIRST));
  await waitUntilStored(stack.store, { readings: METERS * FIRST }, 'the first wave stored');

  stack.questdb.pause();
  await publishAll(publisher, readingMessages(METERS, HELD, FIRST));
  await closePublisher(publisher);
  // The service has accepted (spooled and acknowledged) the whole wave.
  const before = await eventually(
    async () => {
      const m = await stack.service.metrics();
      if (m.tanhe_ingest_items_accepted_total !== METERS * (FIRST + HELD)) throw new Error('wave not yet spooled');
      return m;
    },
    { timeoutMs: 60_000, message: 'the held wave spooled' },
  );
  // What the store has confirmed is at most a batch that was in flight when QuestDB stopped: the rest of the
  // wave waits in the spool.
  const unconfirmed =
    (before.tanhe_ingest_items_accepted_total ?? 0) - (before.tanhe_ingest_readings_stored_total ?? 0);
  expect(unconfirmed).toBeGreaterThan((METERS * HELD) / 2);

  const exit = stack.service.stop();
  await eventually(
    () => {
      if (!stack.service.readLog().includes('draining the spool')) throw new Error('the drain has not begun');
    },
    { timeoutMs: 30_000, message: 'the service began its drain' },
  );
  stack.questdb.resume();
  expect(await exit).toEqual({ code: 0, signal: null });
  const drained = logLines(stack.service.readLog()).filter((l) => l.msg === 'spool drained');
  expect(drained.map((l) => l.backlogRecords)).toEqual([0]);

  await waitUntilStored(stack.store, { readings: METERS * (FIRST + HELD) }, 'the held wave stored by the drain');
  expect(await exactlyOnceProblems(stack.store, METERS, FIRST + HELD)).toEqual([]);
  // The spool was confirmed up to its end: a new start finds nothing to replay.
  await stack.service.start();
  expect((await stack.service.metrics()).tanhe_ingest_spool_replayed_total).toBe(0);
});

function logLines(log: string): { msg?: string; backlogRecords?: number }[] {
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; backlogRecords?: number });
}
