import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { renderTestConf, SHARED_MOSQUITTO_CONF, startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';

// The harness against a real Mosquitto (scripts/provision.sh installs it).
// Every wait polls (eventually); counts are exact. "All earlier messages have
// arrived" is shown with a sentinel: MQTT keeps one publisher's messages in
// order towards one subscriber, so once the sentinel published last is
// received, nothing published before it is still on its way.

const brokers: MosquittoHandle[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.dispose()));
});

async function broker(opts?: Parameters<typeof startMosquitto>[0]): Promise<MosquittoHandle> {
  const b = await startMosquitto(opts);
  brokers.push(b);
  return b;
}

interface Received {
  topic: string;
  payload: string;
}

/** Connects and records every message from the first packet on (queued messages arrive right after CONNACK). */
async function collector(
  url: string,
  opts: IClientOptions,
): Promise<{ client: MqttClient; received: Received[]; sessionPresent: boolean }> {
  const received: Received[] = [];
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...opts });
  clients.push(client);
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  const connack = await new Promise<mqtt.IConnackPacket>((resolveConnack, reject) => {
    client.once('connect', resolveConnack);
    client.once('error', reject);
  });
  return { client, received, sessionPresent: connack.sessionPresent };
}

async function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...opts,
  });
  clients.push(client);
  return client;
}

async function close(client: MqttClient): Promise<void> {
  await client.endAsync();
  clients.splice(clients.indexOf(client), 1);
}

const SENTINEL = 'sentinel';

async function publishMany(url: string, topic: string, count: number): Promise<void> {
  const pub = await connect(url, { clientId: `pub-${count}` });
  // All in flight at once; each promise settles on its PUBACK, i.e. once the broker has the message.
  await Promise.all(
    Array.from({ length: count }, (_, i) => pub.publishAsync(topic, JSON.stringify({ i }), { qos: 1 })),
  );
  await close(pub);
}

/** Publishes a sentinel after everything else and waits until the collector has it. */
async function drain(url: string, topic: string, received: Received[]): Promise<void> {
  const pub = await connect(url, { clientId: 'sentinel-pub' });
  await pub.publishAsync(topic, SENTINEL, { qos: 1 });
  await close(pub);
  await eventually(
    () => {
      if (!received.some((m) => m.payload === SENTINEL)) throw new Error('sentinel not received');
    },
    { timeoutMs: 60_000, message: 'sentinel delivered' },
  );
}

function distinctIndexes(received: Received[]): number {
  return new Set(received.filter((m) => m.payload !== SENTINEL).map((m) => (JSON.parse(m.payload) as { i: number }).i))
    .size;
}

const DROPPED_TOPIC = '$SYS/broker/publish/messages/dropped';

/** Fails while a fresh subscriber still receives a dropped value before the next live $SYS refresh. */
async function expectNoRetainedDropped(url: string): Promise<void> {
  const probe = await collector(url, { clientId: `probe-${Math.random().toString(36).slice(2)}` });
  try {
    let liveTick = false;
    probe.client.on('message', (t, _payload, packet) => {
      if (t === '$SYS/broker/uptime' && !packet.retain) liveTick = true;
    });
    // Retained copies are sent with the SUBACK, so all have arrived once a live uptime follows.
    await probe.client.subscribeAsync([DROPPED_TOPIC, '$SYS/broker/uptime'], { qos: 0 });
    await eventually(() => expect(liveTick).toBe(true), { timeoutMs: 30_000, message: 'live $SYS refresh' });
    const seen = probe.received.filter((m) => m.topic === DROPPED_TOPIC);
    if (seen.length > 0) throw new Error(`${DROPPED_TOPIC} still retained: ${seen.map((m) => m.payload).join(', ')}`);
  } finally {
    await close(probe.client);
  }
}

describe('test conf generated from docker/mosquitto.conf', () => {
  it('keeps the shipped limits and replaces only per-test keys', () => {
    const conf = renderTestConf(readFileSync(SHARED_MOSQUITTO_CONF, 'utf8'), {
      listener: '4242 127.0.0.1',
      persistence_location: '/tmp/x/',
      allow_anonymous: 'true',
      max_inflight_messages: null,
    });
    const settings = conf
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
      .map((l) => l.trim());
    expect(settings.filter((l) => l.startsWith('listener '))).toEqual(['listener 4242 127.0.0.1']);
    expect(settings.filter((l) => l.startsWith('persistence_location '))).toEqual(['persistence_location /tmp/x/']);
    expect(settings).toContain('max_queued_messages 2000000');
    expect(settings).toContain('max_queued_bytes 1073741824');
    expect(settings).toContain('persistence true');
    expect(settings.some((l) => l.startsWith('max_inflight_messages'))).toBe(false);
    expect(settings.some((l) => l.startsWith('password_file') || l.startsWith('acl_file'))).toBe(false);
  });
});

describe('startMosquitto against a real broker', () => {
  it('delivers a QoS 1 message from publisher to subscriber', async () => {
    const b = await broker();
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    const sub = await collector(b.url, { clientId: 'sub-basic' });
    await sub.client.subscribeAsync('meters/+/readings', { qos: 1 });
    const pub = await connect(b.url, { clientId: 'pub-basic' });
    await pub.publishAsync('meters/m1/readings', '{"energyKwh":1.5}', { qos: 1 });
    await eventually(() =>
      expect(sub.received).toEqual([{ topic: 'meters/m1/readings', payload: '{"energyKwh":1.5}' }]),
    );
  });

  it('keeps 5 000 QoS 1 messages queued for an offline persistent session across a restart, dropping none', async () => {
    const b = await broker();
    const topic = 'meters/m1/readings';
    const sessionOpts: IClientOptions = { clientId: 'ingest-persistent', clean: false };
    const first = await collector(b.url, sessionOpts);
    expect(first.sessionPresent).toBe(false);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await close(first.client);

    await publishMany(b.url, topic, 5000);
    expect(await b.sysDropped()).toBe(0);

    await b.restart();
    const again = await collector(b.url, sessionOpts);
    expect(again.sessionPresent).toBe(true);
    await eventually(() => expect(distinctIndexes(again.received)).toBe(5000), {
      timeoutMs: 60_000,
      message: '5 000 queued messages delivered',
    });
    await drain(b.url, topic, again.received);
    expect(again.received.length).toBe(5001);
    expect(distinctIndexes(again.received)).toBe(5000);
    expect(await b.sysDropped()).toBe(0);
  });

  it("with Mosquitto's default queue limit the same outage loses 4 000 of 5 000 messages (why the shipped limits exist)", async () => {
    const b = await broker({ overrides: { max_queued_messages: null, max_queued_bytes: null } });
    const topic = 'meters/m1/readings';
    const sessionOpts: IClientOptions = { clientId: 'ingest-defaults', clean: false };
    const first = await collector(b.url, sessionOpts);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await close(first.client);

    await publishMany(b.url, topic, 5000);
    expect(await b.sysDropped()).toBe(4000);

    const again = await collector(b.url, sessionOpts);
    await drain(b.url, topic, again.received);
    expect(distinctIndexes(again.received)).toBe(1000);
  });

  it('reads $SYS dropped right after Mosquitto let the unchanged value expire from its retained store', async () => {
    // Mosquitto 2.0 publishes a $SYS value only when it changes, retained with a 60 s expiry. Two
    // brokers: one that never drops, one that drops 4 000 messages at once (default queue limit).
    const quiet = await broker();
    const lossy = await broker({ overrides: { max_queued_messages: null, max_queued_bytes: null } });
    const topic = 'meters/m1/readings';
    const sessionOpts: IClientOptions = { clientId: 'ingest-expiry', clean: false };
    const first = await collector(lossy.url, sessionOpts);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await close(first.client);
    await publishMany(lossy.url, topic, 5000);
    expect(await lossy.sysDropped()).toBe(4000);

    // Precondition of the case under test: a subscriber arriving now gets no value at all.
    const expiry = { timeoutMs: 150_000, intervalMs: 2_000, message: 'dropped gone from the retained store' };
    await Promise.all([quiet, lossy].map((b) => eventually(() => expectNoRetainedDropped(b.url), expiry)));

    expect(await quiet.sysDropped()).toBe(0);
    expect(await lossy.sysDropped()).toBe(4000);
  });

  it('comes back on the same port after kill -9', async () => {
    const b = await broker();
    await b.kill();
    expect(b.isRunning()).toBe(false);
    await b.restart();
    expect(b.isRunning()).toBe(true);
    const sub = await collector(b.url, { clientId: 'after-kill' });
    await sub.client.subscribeAsync('meters/+/readings', { qos: 1 });
    const pub = await connect(b.url, { clientId: 'pub-after-kill' });
    await pub.publishAsync('meters/m9/readings', 'x', { qos: 1 });
    await eventually(() => expect(sub.received.map((m) => m.topic)).toEqual(['meters/m9/readings']));
  });
});

describe('shipped ACL (docker/mosquitto.acl) with a password file', () => {
  const users = { m1: 'pw-m1', m2: 'pw-m2', 'tanhe-ingest': 'pw-ingest' };

  it('lets meter m1 publish only meters/m1/readings', async () => {
    const b = await broker({ auth: { users } });
    const ingest = await collector(b.url, {
      clientId: 'ingest',
      username: 'tanhe-ingest',
      password: users['tanhe-ingest'],
    });
    const grants = await ingest.client.subscribeAsync('meters/#', { qos: 1 });
    expect(grants.map((g) => g.qos)).toEqual([1]);

    // MQTT 3.1.1 has no way to refuse a publish: the broker acknowledges and discards it.
    const m1 = await connect(b.url, { clientId: 'm1', username: 'm1', password: users.m1 });
    await m1.publishAsync('meters/m2/readings', 'forged by m1', { qos: 1 });
    await m1.publishAsync('meters/m1/readings', 'own reading', { qos: 1 });
    // Same publisher, same subscriber: had the forged message been delivered, it would have come first.
    await eventually(() => expect(ingest.received.length).toBeGreaterThanOrEqual(1));
    expect(ingest.received).toEqual([{ topic: 'meters/m1/readings', payload: 'own reading' }]);
  });

  it('refuses forged and unauthenticated publishes with MQTT 5 reason codes', async () => {
    const b = await broker({ auth: { users } });
    const ingest = await collector(b.url, {
      clientId: 'ingest5',
      username: 'tanhe-ingest',
      password: users['tanhe-ingest'],
    });
    await ingest.client.subscribeAsync('meters/#', { qos: 1 });

    const m1 = await connect(b.url, { clientId: 'm1-v5', username: 'm1', password: users.m1, protocolVersion: 5 });
    // 0x87 Not authorized, in the PUBACK.
    await expect(m1.publishAsync('meters/m2/readings', 'forged', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    // The ingest identity cannot inject readings either.
    const ingestPub = await connect(b.url, {
      clientId: 'ingest-pub-v5',
      username: 'tanhe-ingest',
      password: users['tanhe-ingest'],
      protocolVersion: 5,
    });
    await expect(ingestPub.publishAsync('meters/m1/readings', 'forged', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    // Wrong password: Mosquitto 2.0 answers CONNACK 0x87 Not authorized (not 0x86 Bad user name or password).
    await expect(
      connect(b.url, { clientId: 'm1-bad', username: 'm1', password: 'wrong', protocolVersion: 5 }),
    ).rejects.toMatchObject({
      code: 0x87,
    });
    await expect(connect(b.url, { clientId: 'anon', protocolVersion: 5 })).rejects.toMatchObject({ code: 0x87 });

    await m1.publishAsync('meters/m1/readings', 'own', { qos: 1 });
    await eventually(() => expect(ingest.received.length).toBeGreaterThanOrEqual(1));
    expect(ingest.received).toEqual([{ topic: 'meters/m1/readings', payload: 'own' }]);
  });

  it('lets tanhe-ingest read through a shared subscription and read $SYS', async () => {
    const b = await broker({ auth: { users } });
    const ingest = await collector(b.url, {
      clientId: 'ingest-shared',
      username: 'tanhe-ingest',
      password: users['tanhe-ingest'],
    });
    const grants = await ingest.client.subscribeAsync('$share/tanhe/meters/+/readings', { qos: 1 });
    expect(grants.map((g) => g.qos)).toEqual([1]);
    const m2 = await connect(b.url, { clientId: 'm2', username: 'm2', password: users.m2 });
    await m2.publishAsync('meters/m2/readings', 'r', { qos: 1 });
    await eventually(() => expect(ingest.received).toEqual([{ topic: 'meters/m2/readings', payload: 'r' }]));
    // sysDropped() connects as tanhe-ingest: the ACL grants it $SYS/#.
    expect(await b.sysDropped()).toBe(0);
  });
});
