import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMqttSubscriber, type MqttSubscriber } from '../../ingest/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';

// The subscriber's promise (ingest/adapters/mqtt-subscriber.ts): the PUBACK of a message goes out only
// when onMessage resolved, i.e. after the spool append. Seen through the broker: a message not
// acknowledged when the session ends is redelivered to the next connection of the same client id,
// an acknowledged one is not.
let broker: MosquittoHandle;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Session {
  readonly subscriber: MqttSubscriber;
  readonly received: string[];
  readonly fatal: unknown[];
}

/**
 * A subscriber whose onMessage resolves at once, except (with `faults`) that it never settles for payloads
 * starting 'hold' and rejects for those starting 'fail'.
 */
function subscribe(clientId: string, faults: boolean, pipelined = false): Session {
  const received: string[] = [];
  const fatal: unknown[] = [];
  const subscriber = startMqttSubscriber({
    url: broker.url,
    clientId,
    filters: ['meters/+/readings'],
    keepaliveSeconds: 30,
    reconnectPeriodMs: 200,
    onMessage: (_topic, payload) => {
      const text = Buffer.from(payload).toString();
      received.push(text);
      if (faults && text.startsWith('hold')) return new Promise<void>(() => undefined);
      if (faults && text.startsWith('fail')) return Promise.reject(new Error('spool append failed'));
      return Promise.resolve();
    },
    ...(pipelined ? { holding: () => false } : {}),
    onFatal: (error) => fatal.push(error),
    log: silent,
  });
  return { subscriber, received, fatal };
}

async function publish(payloads: readonly string[]): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `pub-${Math.random()}`, protocolVersion: 4 });
  for (const p of payloads) await client.publishAsync('meters/m000/readings', p, { qos: 1 });
  await client.endAsync();
}

/** Publishes probes until one arrives: the subscription (and with it the persistent session) exists. */
async function waitSubscribed(session: Session): Promise<void> {
  let n = 0;
  await eventually(
    async () => {
      await publish([`probe-${n++}`]);
      expect(session.received.some((r) => r.startsWith('probe-'))).toBe(true);
    },
    { timeoutMs: 30_000, intervalMs: 200, message: 'subscribed' },
  );
}

describe('MQTT subscriber PUBACK', () => {
  it('acknowledges a message only once onMessage resolved: an unresolved one is redelivered, a resolved one not', async () => {
    const first = subscribe('puback-hold', true);
    await waitSubscribed(first);
    await publish(['acked-1', 'hold-1']);
    await eventually(() => expect(first.received).toContain('hold-1'));
    await first.subscriber.close();

    const second = subscribe('puback-hold', false);
    await eventually(() => expect(second.received).toContain('hold-1'), { timeoutMs: 30_000 });
    // Once the redelivered message is in, the session's queue is drained; an acknowledged message never returns.
    await publish(['after-1']);
    await eventually(() => expect(second.received).toContain('after-1'));
    expect(second.received).not.toContain('acked-1');
    expect(second.received.filter((r) => r.startsWith('probe-'))).toEqual([]);
    await second.subscriber.close();
  });

  it('pipelined: hands over the next message before a PUBACK, acknowledging only resolved ones, in order', async () => {
    const first = subscribe('puback-pipelined', true, true);
    await waitSubscribed(first);
    await publish(['acked-1', 'hold-2', 'after-3']);
    // after-3 was handed over while hold-2 was still unresolved: the connection reads on.
    await eventually(() => expect(first.received).toContain('after-3'));
    await first.subscriber.close();

    const second = subscribe('puback-pipelined', false, true);
    // hold-2 was never acknowledged; after-3 neither, as PUBACKs go in arrival order (MQTT 3.1.1 §4.6).
    await eventually(() => expect(second.received).toEqual(expect.arrayContaining(['hold-2', 'after-3'])), {
      timeoutMs: 30_000,
    });
    await publish(['after-4']);
    await eventually(() => expect(second.received).toContain('after-4'));
    expect(second.received).not.toContain('acked-1');
    expect(second.received.filter((r) => r.startsWith('probe-'))).toEqual([]);
    await second.subscriber.close();
  });

  it('does not acknowledge a message whose spool append failed, and reports it as fatal', async () => {
    const first = subscribe('puback-fail', true);
    await waitSubscribed(first);
    await publish(['fail-1']);
    await eventually(() => expect(first.fatal).toHaveLength(1));
    await first.subscriber.close();

    const second = subscribe('puback-fail', false);
    await eventually(() => expect(second.received).toContain('fail-1'), { timeoutMs: 30_000 });
    await second.subscriber.close();
  });
});
