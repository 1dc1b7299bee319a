import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { closePublisher, connectPublisher, publishAll } from '../support/publisher.js';
import { exactlyOnceProblems, readingMessages, waitUntilStored, startStack, type Stack } from '../support/stack.js';

const METERS = 10;
const PER_METER = 600; // 6 000 readings over about 50 s
const OUTAGE_MS = 32_000;
/** Acknowledged by the service while QuestDB is down, at least. */
const ACKED_DURING = 1000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ meters: METERS });
});
afterAll(async () => {
  await stack?.dispose();
});

// Its own time limit: the outage waits for conditions, not a clock, and on a loaded machine can outlast 180 s.
it('loses and duplicates nothing while QuestDB is down for more than 30 s during publishing', async () => {
  const publisher = await connectPublisher(stack.mosquitto.url, 'e2e-outage-publisher');
  let outage: Promise<void> | undefined;
  let readyDuringOutage: number | undefined;
  let ackedSoFar = 0;
  // Publisher acknowledgements and the spool backlog (accepted, not yet stored) when the outage began and ended.
  const during: { acked: number; backlog: number }[] = [];
  const backlog = async () => {
    const m = await stack.service.metrics();
    return (m.tanhe_ingest_items_accepted_total ?? 0) - (m.tanhe_ingest_readings_stored_total ?? 0);
  };
  const storeOutage = async () => {
    await stack.questdb.stop();
    const downSinceMs = Date.now();
    // While the store is down the service keeps accepting (spooling) and says it is not ready.
    readyDuringOutage = await eventually(
      async () => {
        const response = await fetch(`${stack.service.httpUrl}/readyz`);
        if (response.status !== 503) throw new Error(`readyz ${response.status}`);
        return response.status;
      },
      { timeoutMs: 20_000 },
    );
    const atDown = { acked: ackedSoFar, backlog: await backlog() };
    during.push(atDown);
    // The outage lasts OUTAGE_MS, and on a loaded machine (a slower publisher or service) until more than
    // ACKED_DURING were published and spooled while it lasted: the checks below are about what ingest does
    // meanwhile, not about its speed.
    await eventually(
      async () => {
        if (Date.now() - downSinceMs < OUTAGE_MS) throw new Error('the outage is younger than OUTAGE_MS');
        if (ackedSoFar - atDown.acked <= ACKED_DURING) throw new Error(`${ackedSoFar - atDown.acked} published`);
        const grown = (await backlog()) - atDown.backlog;
        if (grown <= ACKED_DURING) throw new Error(`the backlog grew by ${grown}`);
      },
      { timeoutMs: 600_000, intervalMs: 250, message: 'the outage ran its course' },
    );
    during.push({ acked: ackedSoFar, backlog: await backlog() });
    await stack.questdb.start();
  };
  await publishAll(publisher, readingMessages(METERS, PER_METER), {
    ratePerSecond: 120,
    onAcked: (acked) => {
      ackedSoFar = acked;
      if (acked === 500) outage = storeOutage();
    },
  });
  await outage;
  await closePublisher(publisher);
  expect(readyDuringOutage).toBe(503);
  // Ingest kept acknowledging while the store was down (~120 messages/s for the outage's remaining ~25 s), and
  // what it acknowledged waited in the spool: the backlog grew by as much.
  const [down, up] = during;
  if (!down || !up) throw new Error('the outage did not run');
  expect(up.acked - down.acked).toBeGreaterThan(ACKED_DURING);
  expect(up.backlog - down.backlog).toBeGreaterThan(ACKED_DURING);

  await waitUntilStored(stack.store, { readings: METERS * PER_METER }, 'all readings stored after the outage');
  expect(await exactlyOnceProblems(stack.store, METERS, PER_METER)).toEqual([]);
  const metrics = await stack.service.metrics();
  expect(metrics.tanhe_store_write_failures_total).toBeGreaterThan(0);
  expect(metrics.tanhe_ingest_items_accepted_total).toBe(METERS * PER_METER);
  expect(metrics.tanhe_ingest_readings_stored_total).toBe(METERS * PER_METER);
  expect(await stack.mosquitto.sysDropped()).toBe(0);
}, 900_000);
