import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../load-app-config.js';
import { processMessage, type MeterDirectory, type MeterSpec } from '../../ingest/core/index.js';
import { eventually } from '../../tests/support/eventually.js';
import { DAY_MS, isAppError } from '../kernel/index.js';
import { FAULT_KINDS, faultsFor, generateReadings, type MqttMessage } from './core/index.js';
import { runSimulator, type MessageSink, type SimulatorLog } from './publish.js';

// The publisher against a real MQTT broker: Aedes in this process, over TCP on loopback.
const fleet = loadAppConfig('config/demo.yaml', {}).fleet;
const quiet: SimulatorLog = { info: () => undefined, warn: () => undefined };
const received: MqttMessage[] = [];
let broker: Aedes;
let server: Server;
let url: string;

beforeAll(async () => {
  broker = await Aedes.createBroker();
  broker.on('publish', (packet, client) => {
    if (client) received.push({ topic: packet.topic, payload: packet.payload.toString() });
  });
  server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => broker.close(() => server.close(() => resolve())));
});

const specs = new Map<string, MeterSpec>(
  fleet.meters.map((m) => [m.id, { id: m.id, carrier: m.carrier, unit: m.unit, timeZone: 'Asia/Shanghai' }]),
);
const directory: MeterDirectory = {
  byId: (id) => specs.get(id),
  bySenmlName: (name) =>
    specs.get(fleet.meters.find((m) => m.codec.kind === 'senml' && m.codec.name === name)?.id ?? ''),
  byTasmotaDevice: (device) =>
    specs.get(fleet.meters.find((m) => m.codec.kind === 'tasmota' && m.codec.device === device)?.id ?? ''),
};

describe('runSimulator over MQTT', () => {
  it('backfills with faults, and its stats reconcile exactly with what ingest makes of the messages', async () => {
    received.length = 0;
    const nowMs = Date.parse('2026-11-29T10:00:00Z');
    const fromMs = nowMs - 3 * DAY_MS;
    const faults = faultsFor([...FAULT_KINDS], 20);
    const handle = await runSimulator({
      mqttUrl: url,
      fleet,
      fromMs,
      toMs: nowMs,
      live: false,
      liveIntervalMs: 15_000,
      batchSize: 96,
      faults,
      seed: 9,
      clientId: 'sim-test-backfill',
      log: quiet,
      now: () => nowMs,
    });
    const stats = await handle.finished;

    // The pure generator, run alone with the publisher's interval (15 min by default), predicts the counts.
    const events = [
      ...generateReadings({ fleet, seed: 9, fromMs, toMs: nowMs, intervalMs: 15 * 60_000, faults, skewBaseMs: nowMs }),
    ];
    expect(stats.readings).toBe(events.filter((e) => e.kind === 'reading').length);
    expect(stats.malformed).toBe(events.filter((e) => e.kind === 'malformed').length);
    expect(stats.dropped).toBe(events.filter((e) => e.kind === 'dropped').length);
    expect(stats.backfillComplete).toBe(true);
    expect(stats.held).toBe(0);
    // Kinds that tag no reading: extra payloads (malformed, garbled_gateway), losses (dropout,
    // silent_meter), and the load the fleet model itself carries (night_load, unmetered_load).
    const untagged = ['malformed', 'dropout', 'garbled_gateway', 'silent_meter', 'night_load', 'unmetered_load'];
    for (const kind of FAULT_KINDS.filter((k) => !untagged.includes(k)))
      expect(stats.readingsByFault[kind], kind).toBeGreaterThan(0);

    // Every acknowledged message reached the broker; ingest accepts and rejects exactly as the stats say.
    expect(received.length).toBe(stats.messages);
    let accepted = 0;
    const rejected: Record<string, number> = {};
    for (const m of received) {
      const out = processMessage(m.topic, new TextEncoder().encode(m.payload), {
        directory,
        topics: { json: 'meters/+/readings', senml: 'senml/+', tasmota: 'tele/+/SENSOR' },
        limits: { maxPayloadBytes: 256 * 1024, maxFutureSkewMs: 5 * 60_000 },
        nowMs,
      });
      accepted += out.accepted.length;
      for (const r of out.rejected) rejected[r.reason] = (rejected[r.reason] ?? 0) + 1;
    }
    expect(rejected).toEqual(stats.expectedRejections);
    expect(accepted).toBe(stats.readings - (stats.expectedRejections.future_timestamp ?? 0));
    // Gateway batches: far fewer messages than readings.
    expect(stats.messages).toBeLessThan(stats.readings / 5);
  }, 60_000);

  it('publishes live readings stamped with the current time, one per meter per tick, until stopped', async () => {
    received.length = 0;
    const startMs = Date.now();
    const handle = await runSimulator({
      mqttUrl: url,
      fleet,
      fromMs: startMs - 2 * 3_600_000,
      toMs: startMs,
      live: true,
      liveIntervalMs: 1000,
      batchSize: 96,
      faults: {},
      seed: 1,
      clientId: 'sim-test-live',
      log: quiet,
    });
    await handle.backfilled;
    const afterBackfill = handle.stats().messages;
    await eventually(() => expect(handle.stats().liveTicks).toBeGreaterThanOrEqual(2), {
      timeoutMs: 10_000,
      message: 'two live ticks',
    });
    const stats = await handle.stop();
    const live = received.slice(afterBackfill);
    const tick = live
      .filter((m) => m.topic === 'meters/gov-a-e-main/readings')
      .map((m) => JSON.parse(m.payload) as { ts: string; seq: number });
    expect(tick.length).toBe(stats.liveTicks);
    for (const r of tick) {
      const ts = Date.parse(r.ts);
      expect(ts % 1000).toBe(0);
      expect(Math.abs(ts - Date.now())).toBeLessThan(15_000);
    }
    // One reading per meter per tick (the backfill had 8 ticks of every meter); live, an interval meter
    // reports only at the end of its 15-minute interval.
    const intervalMeters = fleet.meters.filter((m) => m.register === 'interval').length;
    const onGrid = tick.filter((r) => Date.parse(r.ts) % (15 * 60_000) === 0).length;
    expect(intervalMeters).toBeGreaterThan(0);
    expect(stats.readings).toBe(
      fleet.meters.length * 8 + (fleet.meters.length - intervalMeters) * stats.liveTicks + intervalMeters * onGrid,
    );
  }, 30_000);

  it('fails with BROKER_UNAVAILABLE when no broker listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await runSimulator({
      mqttUrl: `mqtt://127.0.0.1:${port}`,
      fleet,
      fromMs: 0,
      toMs: 900_000,
      live: false,
      liveIntervalMs: 15_000,
      batchSize: 96,
      faults: {},
      seed: 1,
      clientId: 'sim-test-refused',
      log: quiet,
    }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('BROKER_UNAVAILABLE');
  });
});

describe('back-pressure', () => {
  it('never has more than maxInFlight publishes awaiting acknowledgement', async () => {
    let inflight = 0;
    let peak = 0;
    let published = 0;
    const pending: (() => void)[] = [];
    const sink: MessageSink = {
      publish: () =>
        new Promise<void>((resolve) => {
          inflight++;
          published++;
          peak = Math.max(peak, inflight);
          pending.push(() => {
            inflight--;
            resolve();
          });
        }),
      close: async () => undefined,
    };
    // Acknowledge in bursts, like a busy broker.
    const acker = setInterval(() => pending.splice(0, 5).forEach((ack) => ack()), 1);
    const fromMs = Date.parse('2026-10-01T00:00:00Z');
    const handle = await runSimulator({
      mqttUrl: 'mqtt://unused',
      fleet,
      fromMs,
      toMs: fromMs + DAY_MS,
      live: false,
      liveIntervalMs: 15_000,
      batchSize: 4,
      faults: {},
      seed: 1,
      clientId: 'unused',
      log: quiet,
      maxInFlight: 8,
      sink,
    });
    const stats = await handle.finished;
    clearInterval(acker);
    expect(peak).toBe(8);
    expect(stats.messages).toBe(published);
    expect(stats.readings).toBe(fleet.meters.length * 96);
  });
});
