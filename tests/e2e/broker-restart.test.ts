import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { closePublisher, connectPublisher, publishAll } from '../support/publisher.js';
import { exactlyOnceProblems, readingMessages, waitUntilStored, startStack, type Stack } from '../support/stack.js';

const METERS = 10;
const PER_METER = 500;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ meters: METERS });
});
afterAll(async () => {
  await stack?.dispose();
});

it('reconnects after a Mosquitto restart during publishing and stores everything once, with no broker drops', async () => {
  const publisher = await connectPublisher(stack.mosquitto.url, 'e2e-restart-publisher');
  let restart: Promise<void> | undefined;
  await publishAll(publisher, readingMessages(METERS, PER_METER), {
    ratePerSecond: 400,
    onAcked: (acked) => {
      if (acked === 1500) restart = stack.mosquitto.restart();
    },
  });
  await restart;
  await closePublisher(publisher);

  await waitUntilStored(stack.store, { readings: METERS * PER_METER }, 'all readings stored after the broker restart');
  expect(await exactlyOnceProblems(stack.store, METERS, PER_METER)).toEqual([]);
  const ready = await eventually(async () => {
    const response = await fetch(`${stack.service.httpUrl}/readyz`);
    if (!response.ok) throw new Error(`readyz ${response.status}`);
    return (await response.json()) as { broker: { connected: boolean } };
  });
  expect(ready.broker.connected).toBe(true);
  expect(await stack.mosquitto.sysDropped()).toBe(0);
});
