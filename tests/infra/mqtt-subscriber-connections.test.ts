import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqttSubscriber, type MqttSubscriber } from '../../ingest/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';

// A site that ran with one connection (a plain subscription in its persistent session) and is started with
// several (ingest/adapters/mqtt-subscriber.ts): the session of the first connection is the same one, so
// unless the plain subscription is dropped, it receives every message once through it and once more through
// the shared group, for as long as the session lives.
let broker: MosquittoHandle;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function subscribe(clientId: string, connections: number, received: string[]): MqttSubscriber {
  return startMqttSubscriber({
    url: broker.url,
    clientId,
    filters: ['meters/+/readings'],
    connections,
    keepaliveSeconds: 30,
    reconnectPeriodMs: 200,
    onMessage: (_topic, payload) => {
      received.push(Buffer.from(payload).toString());
      return Promise.resolve();
    },
    holding: () => false,
    onFatal: (error) => {
      throw error;
    },
    log: silent,
  });
}

async function publish(payloads: readonly string[]): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `pub-${Math.random()}`, protocolVersion: 4 });
  for (const p of payloads) await client.publishAsync('meters/m000/readings', p, { qos: 1 });
  await client.endAsync();
}

/** Publishes probes until one arrives: every connection has subscribed (a shared group hands probes round). */
async function waitReceiving(received: string[], probes = 1): Promise<void> {
  let n = 0;
  await eventually(
    async () => {
      await publish([`probe-${n++}`]);
      expect(received.filter((r) => r.startsWith('probe-')).length).toBeGreaterThanOrEqual(probes);
    },
    { timeoutMs: 30_000, intervalMs: 200, message: 'subscribed' },
  );
}

describe('MQTT subscriber connections', () => {
  it('from one connection to several under the same client id: every message arrives once', async () => {
    const before: string[] = [];
    const single = subscribe('connections-upgrade', 1, before);
    await waitReceiving(before);
    await single.close();

    const received: string[] = [];
    const shared = subscribe('connections-upgrade', 3, received);
    try {
      await waitReceiving(received, 3);
      // The shared group's connections all subscribed; the plain subscription was dropped after the first did.
      await eventually(async () => {
        const marker = `marker-${Math.random()}`;
        await publish([marker]);
        await eventually(() => expect(received).toContain(marker));
        await new Promise((r) => setTimeout(r, 300));
        expect(received.filter((r) => r === marker)).toHaveLength(1);
      });
      const payloads = Array.from({ length: 200 }, (_, i) => `reading-${i}`);
      await publish(payloads);
      await eventually(() =>
        expect(received.filter((r) => r.startsWith('reading-')).length).toBeGreaterThanOrEqual(200),
      );
      await new Promise((r) => setTimeout(r, 500));
      const readings = received.filter((r) => r.startsWith('reading-'));
      expect(readings).toHaveLength(200);
      expect(new Set(readings).size).toBe(200);
    } finally {
      await shared.close();
    }
  });
});
