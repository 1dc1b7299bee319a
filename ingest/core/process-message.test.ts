import { describe, expect, it } from 'vitest';
import type { MeterDirectory, MeterSpec } from './ingest-types.js';
import { MAX_JSON_DEPTH, processMessage, type MessageContext } from './process-message.js';

const meters: MeterSpec[] = [
  { id: 'm1', carrier: 'electricity', unit: 'kWh', timeZone: 'Asia/Shanghai' },
  { id: 'w1', carrier: 'water', unit: 'm3', timeZone: 'Asia/Shanghai' },
  { id: 'pv', carrier: 'pv_generation', unit: 'kWh', timeZone: 'Asia/Shanghai' },
  { id: 'plug', carrier: 'electricity', unit: 'kWh', timeZone: 'Asia/Shanghai' },
];
const directory: MeterDirectory = {
  byId: (id) => meters.find((m) => m.id === id),
  bySenmlName: (name) => (name === 'urn:dev:mac:0024befffe804ff1:energy' ? meters[2] : undefined),
  byTasmotaDevice: (device) => (device === 'tasmota_canteen_1' ? meters[3] : undefined),
};
const NOW = Date.parse('2026-10-01T00:15:00Z');
const ctx: MessageContext = {
  directory,
  topics: { json: 'meters/+/readings', senml: 'senml/+', tasmota: 'tele/+/SENSOR' },
  limits: { maxPayloadBytes: 1024, maxFutureSkewMs: 300_000 },
  nowMs: NOW,
};
const run = (topic: string, payload: string | object) =>
  processMessage(topic, new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload)), ctx);
const reasons = (topic: string, payload: string | object) => run(topic, payload).rejected.map((r) => r.reason);

describe('generic JSON codec', () => {
  it('accepts an ISO reading with offset and keeps value and seq exactly', () => {
    const out = run('meters/m1/readings', {
      ts: '2026-10-01T08:15:00+08:00',
      value: 12345.678,
      seq: 1042,
      unit: 'kWh',
    });
    expect(out.rejected).toEqual([]);
    expect(out.accepted).toEqual([
      { meterId: 'm1', tsMs: Date.parse('2026-10-01T00:15:00Z'), value: 12345.678, seq: 1042 },
    ]);
  });

  it('accepts epoch milliseconds and a missing seq', () => {
    expect(run('meters/m1/readings', { ts: NOW, value: 1 }).accepted).toEqual([
      { meterId: 'm1', tsMs: NOW, value: 1, seq: null },
    ]);
  });

  it('quarantines the bad item of a gateway batch and keeps the good ones', () => {
    const out = run('meters/m1/readings', [
      { ts: NOW - 1000, value: 1 },
      { ts: NOW - 500, value: -2 },
      { ts: NOW, value: 3 },
    ]);
    expect(out.accepted.map((a) => a.value)).toEqual([1, 3]);
    expect(out.rejected.map((r) => [r.reason, r.meterId, JSON.parse(r.payload).value])).toEqual([
      ['negative_register', 'm1', -2],
    ]);
  });

  it.each([
    ['malformed_json', '{"ts": 1, "value": '],
    ['schema_violation', { ts: NOW }],
    ['schema_violation', { ts: '2026-10-01 08:15', value: 1 }],
    ['schema_violation', { ts: 1_727_740_800, value: 1 }],
    ['schema_violation', { ts: NOW, value: '12' }],
    ['schema_violation', { ts: NOW, value: 1, seq: -1 }],
    ['schema_violation', []],
    ['schema_violation', [7]],
    ['non_finite_number', { ts: NOW, value: 'NaN' }],
    ['non_finite_number', '{"ts": 1790000000000, "value": 1e400}'],
    ['negative_register', { ts: NOW, value: -0.5 }],
    ['unit_mismatch', { ts: NOW, value: 1, unit: 'MWh' }],
    ['future_timestamp', { ts: NOW + 301_000, value: 1 }],
    ['meter_id_mismatch', { ts: NOW, value: 1, meter: 'm2' }],
  ])('quarantines with reason %s: %j', (reason, payload) => {
    expect(reasons('meters/m1/readings', payload)).toEqual([reason]);
  });

  it('accepts a timestamp within the allowed clock skew', () => {
    expect(run('meters/m1/readings', { ts: NOW + 299_000, value: 1 }).accepted).toHaveLength(1);
  });

  it('quarantines readings for an unregistered meter, naming it', () => {
    const out = run('meters/ghost/readings', { ts: NOW, value: 1 });
    expect(out.rejected.map((r) => [r.reason, r.meterId])).toEqual([['unknown_meter', 'ghost']]);
  });

  it('quarantines an oversized payload whole, truncated', () => {
    const out = run('meters/m1/readings', JSON.stringify({ ts: NOW, value: 1, pad: 'x'.repeat(2000) }));
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]?.reason).toBe('oversized_payload');
    expect(out.rejected[0]?.payload.length).toBe(1024);
  });

  it('accepts unit spellings that mean the same unit', () => {
    expect(run('meters/w1/readings', { ts: NOW, value: 5, unit: 'm³' }).accepted).toHaveLength(1);
  });
});

describe('SenML codec', () => {
  it('resolves base name, base time and unit, with times in seconds', () => {
    const out = run('senml/gw1', [
      { bn: 'urn:dev:mac:0024befffe804ff1:', bt: NOW / 1000 - 900, bu: 'kWh', n: 'energy', v: 100.5 },
      { n: 'energy', t: 900, v: 101.25 },
    ]);
    expect(out.rejected).toEqual([]);
    expect(out.accepted).toEqual([
      { meterId: 'pv', tsMs: NOW - 900_000, value: 100.5, seq: null },
      { meterId: 'pv', tsMs: NOW, value: 101.25, seq: null },
    ]);
  });

  it('refuses relative times and unknown names per record', () => {
    const out = run('senml/gw1', [
      { bn: 'urn:dev:mac:0024befffe804ff1:', n: 'energy', v: 1, t: -60 },
      { bn: 'urn:dev:other:', n: 'energy', v: 1, t: NOW / 1000 },
    ]);
    expect(out.rejected.map((r) => r.reason)).toEqual(['schema_violation', 'unknown_meter']);
  });

  it('refuses a non-array envelope', () => {
    expect(reasons('senml/gw1', { n: 'x', v: 1 })).toEqual(['schema_violation']);
  });

  // Found by fuzzing (tests/fuzz): a field of the wrong type was skipped, so the record took an earlier base.
  it('refuses a record whose t, bt, bv or n has the wrong type instead of reading it with the earlier base', () => {
    const bn = 'urn:dev:mac:0024befffe804ff1:';
    const out = run('senml/gw1', [
      { bn, bt: NOW / 1000, n: 'energy', v: 1 },
      { n: 'energy', t: '60', v: 2 },
      { bt: String(NOW / 1000), n: 'energy', v: 3 },
      { bt: NOW / 1000, bv: '10', n: 'energy', v: 4 },
      { bv: 0, n: 7, v: 5 },
      { bn: 5, n: 'energy', v: 6 },
    ]);
    expect(out.accepted.map((a) => a.value)).toEqual([1]);
    expect(out.rejected.map((r) => r.reason)).toEqual([
      'schema_violation',
      'schema_violation',
      'schema_violation',
      'unknown_meter',
      'unknown_meter',
    ]);
  });
});

describe('Tasmota codec', () => {
  it('reads ENERGY.Total with Time in the institution time zone', () => {
    const out = run('tele/tasmota_canteen_1/SENSOR', {
      Time: '2026-10-01T08:15:00',
      ENERGY: { Total: 321.5, Power: 80 },
    });
    expect(out.accepted).toEqual([{ meterId: 'plug', tsMs: NOW, value: 321.5, seq: null }]);
  });

  it('quarantines an unknown device and a payload without ENERGY', () => {
    expect(reasons('tele/unknown_dev/SENSOR', { Time: '2026-10-01T08:15:00', ENERGY: { Total: 1 } })).toEqual([
      'unknown_meter',
    ]);
    expect(reasons('tele/tasmota_canteen_1/SENSOR', { Time: '2026-10-01T08:15:00' })).toEqual(['schema_violation']);
  });
});

// Found by fuzzing (tests/fuzz): both threw out of processMessage, so the handler failed and the
// broker would redeliver the message after every restart.
describe('payloads that used to throw', () => {
  it('quarantines a timestamp in epoch nanoseconds (beyond what a Date holds) as future_timestamp', () => {
    expect(reasons('meters/m1/readings', `{"ts": ${NOW}000000, "value": 1}`)).toEqual(['future_timestamp']);
    expect(reasons('meters/m1/readings', { ts: Number.MAX_SAFE_INTEGER + 1, value: 1 })).toEqual(['future_timestamp']);
  });

  it('quarantines JSON nested deeper than the limit whole, as schema_violation', () => {
    const deep = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(run('meters/m1/readings', `[${deep}]`).rejected.map((r) => r.reason)).toEqual(['schema_violation']);
    // Brackets inside strings do not count; a payload nested to the limit is decoded as usual.
    expect(run('meters/m1/readings', { ts: NOW, value: 1, note: '['.repeat(500) }).accepted).toHaveLength(1);
    expect(run('meters/m1/readings', `[{"ts": ${NOW}, "value": 1, "x": ${deep.slice(2, -2)}}]`).accepted).toHaveLength(
      1,
    );
  });

  it('survives nesting of 100 000 levels within the size limit', () => {
    const big = { ...ctx, limits: { ...ctx.limits, maxPayloadBytes: 1 << 20 } };
    const text = '['.repeat(100_000) + ']'.repeat(100_000);
    const out = processMessage('meters/m1/readings', new TextEncoder().encode(text), big);
    expect(out.rejected.map((r) => r.reason)).toEqual(['schema_violation']);
  });
});

it('rejects a topic no codec is configured for', () => {
  expect(reasons('other/topic', { ts: NOW, value: 1 })).toEqual(['unknown_topic']);
});
