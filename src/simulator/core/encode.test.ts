import { TZDate } from '@date-fns/tz';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../load-app-config.js';
import { processMessage, type MeterDirectory, type MeterSpec } from '../../../ingest/core/index.js';
import { HOUR_MS } from '../../kernel/index.js';
import { createEncoder, splitSenmlName, type MqttMessage } from './encode.js';
import { expectedRejection, faultsFor, FAULT_KINDS, MALFORMED_VARIANTS } from './faults.js';
import { generateReadings, type SimEvent, type SimReading } from './simulation.js';

const fleet = loadAppConfig('config/demo.yaml', {}).fleet;
const from = Date.parse('2026-10-12T00:00:00Z');
const clean = [...generateReadings({ fleet, seed: 3, fromMs: from, toMs: from + 2 * HOUR_MS })].filter(
  (e): e is SimReading => e.kind === 'reading',
);
const of = (id: string) => clean.filter((r) => r.meterId === id);

describe('json codec', () => {
  const encoder = createEncoder(fleet, { jsonTimestamps: 'iso' });

  it('sends one object for one reading, with an ISO time in the institution offset', () => {
    const [r] = of('gov-a-e-main');
    const [msg] = encoder.encode([r!]);
    expect(msg!.topic).toBe('meters/gov-a-e-main/readings');
    const body = JSON.parse(msg!.payload);
    expect(body).toEqual({ ts: '2026-10-12T08:00:00+08:00', value: r!.value, seq: r!.seq, unit: 'kWh' });
    expect(Date.parse(body.ts)).toBe(r!.tsMs);
  });

  it('sends a gateway batch as an array; epoch ms when asked', () => {
    const rs = of('gov-w-main');
    const [msg] = createEncoder(fleet, { jsonTimestamps: 'epoch' }).encode(rs);
    const body = JSON.parse(msg!.payload);
    expect(body).toHaveLength(rs.length);
    expect(body.map((x: { ts: number }) => x.ts)).toEqual(rs.map((r) => r.tsMs));
    expect(body[0].unit).toBe('m3');
  });
});

describe('SenML codec', () => {
  const encoder = createEncoder(fleet);

  it("packs a gateway's meters with bn/bt once and relative t in seconds", () => {
    const rs = clean.filter((r) => encoder.route(r.meterId).group === 'senml:yc-gov-b');
    expect(new Set(rs.map((r) => r.meterId)).size).toBe(3);
    const [msg] = encoder.encode(rs);
    expect(msg!.topic).toBe('senml/yc-gov-b');
    const pack = JSON.parse(msg!.payload) as Record<string, unknown>[];
    expect(pack[0]).toMatchObject({ bn: 'urn:dev:mac:0024befffe804ff2:', bt: from / 1000, n: 'energy', u: 'kWh' });
    // Resolve as RFC 8428 says: base name and base time carry over to later records.
    let bn = '';
    let bt = 0;
    const resolved = pack.map((rec) => {
      if (typeof rec.bn === 'string') bn = rec.bn;
      if (typeof rec.bt === 'number') bt = rec.bt;
      return { name: bn + String(rec.n), tsMs: (bt + (typeof rec.t === 'number' ? rec.t : 0)) * 1000, value: rec.v };
    });
    const names = new Map(fleet.meters.map((m) => [m.codec.kind === 'senml' ? m.codec.name : m.id, m.id]));
    expect(resolved.map((x) => ({ meterId: names.get(x.name), tsMs: x.tsMs, value: x.value }))).toEqual(
      rs.map((r) => ({ meterId: r.meterId, tsMs: r.tsMs, value: r.value })),
    );
  });

  it('splits a name at its last colon', () => {
    expect(splitSenmlName('urn:dev:mac:0024befffe804ff1:energy')).toEqual({
      bn: 'urn:dev:mac:0024befffe804ff1:',
      n: 'energy',
    });
    expect(splitSenmlName('energy')).toEqual({ bn: '', n: 'energy' });
  });
});

describe('Tasmota codec', () => {
  it('sends local time without offset and ENERGY.Total as the register', () => {
    const encoder = createEncoder(fleet);
    const rs = of('gov-c-e-steamer');
    const msgs = encoder.encode(rs);
    expect(msgs).toHaveLength(rs.length);
    const body = JSON.parse(msgs[0]!.payload);
    expect(msgs[0]!.topic).toBe('tele/tasmota_canteen_1/SENSOR');
    expect(body.Time).toBe('2026-10-12T08:00:00');
    const [y, mo, d, h, mi, s] = body.Time.split(/[-T:]/).map(Number);
    expect(new TZDate(y, mo - 1, d, h, mi, s, 'Asia/Shanghai').getTime()).toBe(rs[0]!.tsMs);
    expect(body.ENERGY.Total).toBe(rs[0]!.value);
    // Today grows with Total within a local day; Yesterday (a Sunday, canteen closed) stays.
    const last = JSON.parse(msgs.at(-1)!.payload);
    expect(last.ENERGY.Today - body.ENERGY.Today).toBeCloseTo(last.ENERGY.Total - body.ENERGY.Total, 2);
    expect(last.ENERGY.Yesterday).toBe(body.ENERGY.Yesterday);
    expect(body.ENERGY.Yesterday).toBeGreaterThan(0);
  });
});

describe('ingest contract (ingest/core/processMessage)', () => {
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
  const nowMs = from + 3 * 86_400_000;
  const ctx = {
    directory,
    topics: { json: 'meters/+/readings', senml: 'senml/+', tasmota: 'tele/+/SENSOR' },
    limits: { maxPayloadBytes: 256 * 1024, maxFutureSkewMs: 5 * 60_000 },
    nowMs,
  };
  const ingest = (msg: MqttMessage) => processMessage(msg.topic, new TextEncoder().encode(msg.payload), ctx);

  it('accepts every reading as sent, and rejects each fault with the expected reason', () => {
    const events: SimEvent[] = [
      ...generateReadings({
        fleet,
        seed: 11,
        fromMs: from,
        toMs: from + 2 * 86_400_000,
        faults: faultsFor([...FAULT_KINDS], 40),
        skewBaseMs: nowMs,
      }),
    ];
    const encoder = createEncoder(fleet);
    const accepted: { meterId: string; tsMs: number; value: number }[] = [];
    const rejected = new Map<string, number>();
    const expectedRejected = new Map<string, number>();
    const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    const sent: SimReading[] = [];
    for (const e of events) {
      if (e.kind === 'dropped') continue;
      const msgs = e.kind === 'malformed' ? [encoder.encodeMalformed(e)] : encoder.encode([e]);
      if (e.kind === 'malformed') count(expectedRejected, expectedRejection(e.variant, encoder.route(e.meterId).codec));
      else if (e.faults.includes('clock_skew')) count(expectedRejected, 'future_timestamp');
      else sent.push(e);
      for (const msg of msgs) {
        const out = ingest(msg);
        accepted.push(...out.accepted);
        for (const r of out.rejected) count(rejected, r.reason);
      }
    }
    expect(new Set(events.filter((e) => e.kind === 'malformed').map((e) => e.variant)).size).toBe(
      MALFORMED_VARIANTS.length,
    );
    expect(Object.fromEntries(rejected)).toEqual(Object.fromEntries(expectedRejected));
    expect(accepted.map((a) => ({ meterId: a.meterId, tsMs: a.tsMs, value: a.value }))).toEqual(
      sent.map((r) => ({ meterId: r.meterId, tsMs: r.tsMs, value: r.value })),
    );
  });

  it('decodes batched json and SenML packs to the same readings', () => {
    const encoder = createEncoder(fleet);
    const groups = new Map<string, SimReading[]>();
    for (const r of clean)
      groups.set(encoder.route(r.meterId).group, [...(groups.get(encoder.route(r.meterId).group) ?? []), r]);
    const accepted = [...groups.values()].flatMap((rs) => encoder.encode(rs).flatMap((m) => ingest(m).accepted));
    const key = (x: { meterId: string; tsMs: number; value: number }) => `${x.meterId}|${x.tsMs}|${x.value}`;
    expect(accepted.map(key).sort()).toEqual(clean.map(key).sort());
  });
});
