import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqttSubscriber } from '../../ingest/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';

// The subscriber (ingest/adapters/mqtt-subscriber.ts) handles one message at a time and acknowledges it after
// the spool append. While a backlog is worked through, the broker's PINGRESP waits behind the PUBLISH packets
// queued for the handler; mqtt.js then gave up on a broker that was sending all along ("Keepalive timeout")
// and reconnected, over and over (the bench's reconnects at load 40–55). Here a handler taking 25 ms per
// message works through 400 messages with a 2 s keepalive: one connection from start to end, no timeout.
// Seen failing without the subscriber's keepalive reschedule on PUBLISH: 8 warnings (Keepalive timeout, closed).
let broker: MosquittoHandle;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

describe('MQTT subscriber keepalive', () => {
  it('keeps its connection while a slow handler works through a backlog', async () => {
    const connects: unknown[] = [];
    const errors: string[] = [];
    const received = new Set<string>();
    const log = {
      debug: () => undefined,
      info: (fields: unknown, msg?: string) => {
        if (msg === 'connected to MQTT broker') connects.push(fields);
      },
      warn: (fields: unknown, msg?: string) => {
        const err = (fields as { err?: { message?: unknown } }).err;
        errors.push(`${msg ?? ''} ${String(err?.message ?? '')}`);
      },
      error: (_fields: unknown, msg?: string) => errors.push(msg ?? ''),
    };
    const subscriber = startMqttSubscriber({
      url: broker.url,
      clientId: 'keepalive-backlog',
      filters: ['meters/+/readings'],
      keepaliveSeconds: 2,
      reconnectPeriodMs: 200,
      onMessage: async (_topic, payload) => {
        await new Promise((resolve) => setTimeout(resolve, 25));
        received.add(Buffer.from(payload).toString());
      },
      onFatal: (error) => errors.push(String(error)),
      log,
    });
    try {
      await eventually(() => expect(subscriber.connected()).toBe(true), { timeoutMs: 30_000 });
      // The subscription is made on connect; a probe shows it is in place before the backlog is sent.
      const publisher = await mqtt.connectAsync(broker.url, { clientId: 'keepalive-pub', protocolVersion: 4 });
      await eventually(
        async () => {
          await publisher.publishAsync('meters/m0/readings', 'probe', { qos: 1 });
          expect(received.has('probe')).toBe(true);
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      const payloads = Array.from({ length: 400 }, (_, i) => `backlog-${i}`);
      await Promise.all(payloads.map((p, i) => publisher.publishAsync(`meters/m${i % 9}/readings`, p, { qos: 1 })));
      await publisher.endAsync();
      await eventually(() => expect(payloads.filter((p) => !received.has(p))).toEqual([]), {
        timeoutMs: 120_000,
        intervalMs: 200,
      });
      expect(errors).toEqual([]);
      expect(connects).toHaveLength(1);
    } finally {
      await subscriber.close();
    }
  });
});
