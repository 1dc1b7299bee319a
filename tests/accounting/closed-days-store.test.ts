import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDuckDbAccountingStore,
  storeConsumption,
  type AccountingStore,
  type ConsumptionRequest,
  type MeterSpec,
  type SegmentQuery,
} from '../../accounting/index.js';
import { createClosedDaysCache } from '../../accounting/closed-days-store.js';
import { bucketBoundaries, type Reading } from '../../src/kernel/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';

// Issue 10 through a real (in-memory) DuckDB store: a day series' closed days are not asked of the store again
// while their readings are unchanged, and the figures are always those of the uncached path: with today's new
// readings, after a late reading into a closed day, with an anomalous (raw-read) day.
const TZ = 'Asia/Shanghai';
const STEP = 15 * 60_000;
const fromMs = Date.parse('2026-10-01T00:00:00+08:00');
const cutMs = Date.parse('2026-10-31T00:00:00+08:00'); // "today" is 31 October
const toMs = Date.parse('2026-11-01T00:00:00+08:00');
const nowMs = Date.parse('2026-10-31T10:00:00+08:00');

const spec = (id: string): MeterSpec => ({
  id,
  register: 'cumulative',
  multiplier: 1,
  expectedIntervalMinutes: 15,
  replacements: [],
  ceilingPerHour: 50_000,
});
const meters = [spec('m1'), spec('m2')];
const request: ConsumptionRequest = {
  meters,
  fromMs,
  toMs,
  timeZone: TZ,
  boundaries: bucketBoundaries(fromMs, toMs, 'day', TZ),
  segmentBucket: 'day',
};

/** Readings every 15 minutes over [from, until); m2 without 10 October and with a dip on 20 October. */
function readings(meterId: string, from: number, until: number, perStep: number): Reading[] {
  const out: Reading[] = [];
  const gapFromMs = Date.parse('2026-10-10T00:00:00+08:00');
  const dipMs = Date.parse('2026-10-20T12:00:00+08:00');
  for (let ts = from, i = 0; ts < until; ts += STEP, i++) {
    if (meterId === 'm2' && ts >= gapFromMs && ts < gapFromMs + 86_400_000) continue;
    const value = 1_000 + i * perStep - (meterId === 'm2' && ts === dipMs ? 50 : 0);
    out.push({ meterId, tsMs: ts, value, seq: i, receivedAtMs: ts + 1_000, quality: 'ok' });
  }
  return out;
}

let client: DuckDbClient;
let writer: ReadingStore;
let store: AccountingStore;
/** The segment queries the store was asked, as [fromMs, toMs). */
const segmentRanges: [number, number][] = [];

beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  writer = createDuckDbReadingStore(client);
  await writer.init();
  const inner = createDuckDbAccountingStore(client);
  store = {
    ...inner,
    registerSegments: (q: SegmentQuery) => {
      segmentRanges.push([q.fromMs, q.toMs]);
      return inner.registerSegments(q);
    },
  };
  const historyFromMs = Date.parse('2026-09-20T00:00:00+08:00');
  await writer.write([...readings('m1', historyFromMs, nowMs, 3), ...readings('m2', historyFromMs, nowMs, 5)], []);
});
afterAll(async () => {
  await client.close();
});

const range = { meterIds: meters.map((m) => m.id), fromMs, toMs, timeZone: TZ, bucket: 'day' as const, cutMs };
const cache = createClosedDaysCache();
const viaCache = async () => storeConsumption(await cache.storeFor(store, range), request);
const fresh = () => storeConsumption(store, request);
const figures = (run: Awaited<ReturnType<typeof fresh>>) => [...run.results].map(([id, r]) => [id, r.buckets]);

describe('closed days of a day series over DuckDB', () => {
  it('asks the store only for today once the closed days are kept, with the uncached figures', async () => {
    const first = await viaCache();
    expect(first.stats.rawSegments).toBeGreaterThan(0); // the dip is read raw, and kept
    segmentRanges.length = 0;
    const again = await viaCache();
    expect(figures(again)).toEqual(figures(first));
    expect(figures(again)).toEqual(figures(await fresh()));
    // Today's segments asked from the last closed day (30 October), not from the range's start.
    expect(segmentRanges.filter(([f, t]) => t === toMs && f === fromMs)).toHaveLength(1); // fresh() only
    expect(segmentRanges).toContainEqual([Date.parse('2026-10-30T00:00:00+08:00'), toMs]);
  });

  it('takes today’s new readings, with the uncached figures', async () => {
    await viaCache();
    const later = [nowMs, nowMs + STEP].flatMap((ts, k) =>
      meters.map((m, j) => ({
        meterId: m.id,
        tsMs: ts,
        value: 1_000 + (4_000 + k) * (j === 0 ? 3 : 5),
        seq: 10_000 + k,
        receivedAtMs: ts + 1_000,
        quality: 'ok' as const,
      })),
    );
    await writer.write(later, []);
    expect(figures(await viaCache())).toEqual(figures(await fresh()));
  });

  it('asks the whole range again after a late reading into a closed day', async () => {
    const before = await viaCache();
    // m2's missing 10 October gets one reading back (a gateway's late batch).
    const late = Date.parse('2026-10-10T12:00:00+08:00');
    await writer.write(
      [{ meterId: 'm2', tsMs: late, value: 1_000 + 1_920 * 5, seq: 1, receivedAtMs: Date.now(), quality: 'ok' }],
      [],
    );
    segmentRanges.length = 0;
    const after = await viaCache();
    expect(segmentRanges).toContainEqual([fromMs, toMs]);
    expect(figures(after)).toEqual(figures(await fresh()));
    expect(figures(after)).not.toEqual(figures(before));
  });

  it('compares today’s first reading with the last closed one, as the whole range does', async () => {
    // m3: a dip at today's first reading, which only its previous reading (the evening before) shows.
    const m3 = spec('m3');
    const dipRequest = { ...request, meters: [...meters, m3] };
    const dipRange = { ...range, meterIds: [...range.meterIds, 'm3'] };
    const m3Readings = readings('m3', Date.parse('2026-09-20T00:00:00+08:00'), nowMs, 4).map((r) =>
      r.tsMs === cutMs ? { ...r, value: r.value - 500 } : r,
    );
    await writer.write(m3Readings, []);
    const viaDipCache = async () => storeConsumption(await cache.storeFor(store, dipRange), dipRequest);
    await viaDipCache();
    expect(figures(await viaDipCache())).toEqual(figures(await storeConsumption(store, dipRequest)));
    // The store's answer itself, with the closed days kept: today's segment counts the dip as the whole range's does.
    const coarse = { meterIds: dipRange.meterIds, fromMs, toMs, bucket: 'day' as const, timeZone: TZ };
    const kept = await (await cache.storeFor(store, dipRange)).registerSegments(coarse);
    const whole = await store.registerSegments(coarse);
    expect(whole.find((s) => s.meterId === 'm3' && s.bucketStartMs === cutMs)?.decreases).toBe(1);
    expect(kept).toEqual(whole);
  });

  it('passes a range that does not span the cut straight to the store', async () => {
    const closedOnly = { ...range, toMs: cutMs };
    expect(await cache.storeFor(store, closedOnly)).toBe(store);
  });
});
