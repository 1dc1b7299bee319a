import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

const brokerConnected = async () =>
  await eventually(async () => {
    const response = await fetch(`${stack.service.httpUrl}/readyz`);
    if (!response.ok) throw new Error(`readyz ${response.status}`);
    return ((await response.json()) as { broker: { connected: boolean } }).broker.connected;
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
  expect(await brokerConnected()).toBe(true);
  expect(await stack.mosquitto.sysDropped()).toBe(0);
});

it('reconnects after a kill -9 of Mosquitto between two halves of a wave: all stored once', async () => {
  // Mosquitto keeps sessions (the service's subscription, its queue) in memory and saves them to mosquitto.db
  // at a clean stop and every autosave_interval (docker/mosquitto.conf); a kill -9 keeps only the last save.
  // The restart of the test above saved the service's session; a kill in a fresh stack waits for an autosave.
  await eventually(
    () => {
      if (!existsSync(join(stack.mosquitto.dir, 'mosquitto.db'))) throw new Error('no mosquitto.db yet');
    },
    { timeoutMs: 120_000, intervalMs: 500, message: 'Mosquitto saved its sessions' },
  );
  const connectsBefore = connectLines(stack.service.readLog());
  // The first wave when the test above ran (this test runs alone too: -t 'kill -9').
  await stack.store.sync();
  const storedBefore = (await stack.store.counts()).readings;
  const acceptedBefore = (await stack.service.metrics()).tanhe_ingest_items_accepted_total ?? 0;
  const wave = readingMessages(METERS, PER_METER, PER_METER);
  const half = wave.length / 2;
  const publisher = await connectPublisher(stack.mosquitto.url, 'e2e-kill-publisher');
  await publishAll(publisher, wave.slice(0, half), { ratePerSecond: 400 });
  // The kill comes once the service has taken all the broker acknowledged: a kill -9 loses what Mosquitto
  // queued since its last save (docs/reliability.md), which no client can get back.
  await eventually(
    async () => {
      const accepted = (await stack.service.metrics()).tanhe_ingest_items_accepted_total ?? 0;
      if (accepted < acceptedBefore + half) throw new Error(`accepted ${accepted - acceptedBefore} of ${half}`);
    },
    { timeoutMs: 120_000, message: 'the first half taken by the service' },
  );
  await stack.mosquitto.kill();
  await stack.mosquitto.restart();
  // The publisher and the service reconnect on their own; what comes before the service is back waits in its
  // session, which the restarted broker read from its save.
  await publishAll(publisher, wave.slice(half), { ratePerSecond: 400 });
  await closePublisher(publisher);

  const total = storedBefore + METERS * PER_METER;
  await waitUntilStored(stack.store, { readings: total }, 'every reading stored after the kill -9');
  expect(await exactlyOnceProblems(stack.store, METERS, PER_METER, PER_METER)).toEqual([]);
  expect(await brokerConnected()).toBe(true);
  // The service connected again to the new broker process (one more "connected" line).
  expect(connectLines(stack.service.readLog())).toBeGreaterThan(connectsBefore);
  expect(await stack.mosquitto.sysDropped()).toBe(0);
});

function connectLines(log: string): number {
  return log.split('\n').filter((line) => line.includes('connected to MQTT broker')).length;
}
