import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeConsumption,
  createDuckDbAccountingStore,
  storeConsumption,
  withLearnedBounds,
  type AccountingStore,
  type MeterSpec,
} from '../../accounting/index.js';
import { bucketBoundaries, periodRange, type Reading } from '../../src/kernel/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';

// Issue 6 §2, §3 through a real (in-memory) DuckDB store: the plausibility bound of an unrated meter is learned
// from its own September, and the store's reduced segments give the same figures as every raw reading.
const TZ = 'Asia/Shanghai';
const MINUTE = 60_000;
const october = periodRange('2026-10', TZ)!;
const SEPT_1 = Date.parse('2026-09-01T00:00:00+08:00');
const STEP = 15 * MINUTE;
const CEILING = 50_000;

const spec = (id: string): MeterSpec => ({
  id,
  register: 'cumulative',
  multiplier: 1,
  expectedIntervalMinutes: 15,
  replacements: [],
  ceilingPerHour: CEILING,
});

/** 10–12 kWh per quarter hour (40–48 kWh/h), a spike on 10-05 12:00 and a confirmed +2 000 kWh jump on 10-20 08:00. */
function register(fromMs: number, toMs: number, withAnomalies: boolean): { tsMs: number; value: number }[] {
  const out: { tsMs: number; value: number }[] = [];
  let value = 1_000;
  for (let ts = fromMs, i = 0; ts <= toMs; ts += STEP, i++) {
    value += 10 + (Math.floor(i / 96) % 3);
    if (withAnomalies && ts === Date.parse('2026-10-20T08:00:00+08:00')) value += 2_000;
    const spike = withAnomalies && ts === Date.parse('2026-10-05T12:00:00+08:00');
    out.push({ tsMs: ts, value: spike ? 999_999_999 : value });
  }
  return out;
}

const learnedSeries = register(SEPT_1, october.toMs, true);
const newSeries = register(october.fromMs, october.toMs, true);
const toReadings = (meterId: string, points: { tsMs: number; value: number }[]): Reading[] =>
  points.map((p, seq) => ({
    meterId,
    tsMs: p.tsMs,
    value: p.value,
    seq,
    receivedAtMs: p.tsMs + 500,
    quality: 'ok' as const,
  }));

let client: DuckDbClient;
let writer: ReadingStore;
let store: AccountingStore;
beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  writer = createDuckDbReadingStore(client);
  store = createDuckDbAccountingStore(client);
  await writer.init();
  await writer.write([...toReadings('with-history', learnedSeries), ...toReadings('new-meter', newSeries)], []);
});
afterAll(async () => {
  await writer.close();
  await client.close();
});

describe('store consumption with learned plausibility bounds', () => {
  it('learns the bound from the 28 days before the range (4 × (median 44 + 5 × 1.4826 × MAD 4) kWh/h)', async () => {
    const [learned, fresh] = await withLearnedBounds(
      store,
      [spec('with-history'), spec('new-meter')],
      october.fromMs,
      TZ,
    );
    expect(learned?.learnedMaxPerHour).toBeCloseTo(4 * (44 + 5 * 1.4826 * 4), 6);
    expect(fresh?.learnedMaxPerHour).toBeUndefined();
  });

  it('holds the confirmed jump above the learned bound, ignores the spike, and equals the raw computation', async () => {
    const boundaries = bucketBoundaries(october.fromMs, october.toMs, 'day', TZ);
    const request = {
      fromMs: october.fromMs,
      toMs: october.toMs,
      timeZone: TZ,
      boundaries,
      segmentBucket: 'month' as const,
      refineBucket: 'day' as const,
    };
    const run = await storeConsumption(store, { ...request, meters: [spec('with-history'), spec('new-meter')] });
    const learned = run.results.get('with-history')!;
    expect(learned.ignoredReadings.map((r) => r.reason)).toEqual(['transient_spike']);
    // The jump's quarter hour on 10-20 (day 49 since 1 September: 11 kWh) plus the 2 000 kWh jump.
    expect(learned.reviews.map((r) => [r.reason, r.amount])).toEqual([['implausible_jump', 2_011]]);
    const [learnedSpec] = await withLearnedBounds(store, [spec('with-history')], october.fromMs, TZ);
    const raw = computeConsumption(
      learnedSpec!,
      learnedSeries.filter((p) => p.tsMs >= october.fromMs - STEP),
      boundaries,
    );
    expect(learned.buckets).toEqual(raw.buckets);

    // Without history only the ceiling bounds it: the jump (8 044 kWh/h) is booked, the spike is still a transient.
    const fresh = run.results.get('new-meter')!;
    expect(fresh.ignoredReadings.map((r) => r.reason)).toEqual(['transient_spike']);
    expect(fresh.reviews).toEqual([]);
  });

  it('cut at an instant (learnFromMs, readingsAfter) gives the whole range hourly figures on both sides', async () => {
    // Cut at the spike's quarter hour: the part before needs the readings after the cut to see it contradicted,
    // the part after needs the bound learned before October to hold the jump on 10-20 as the whole run does.
    const cutMs = Date.parse('2026-10-05T12:00:00+08:00');
    const meters = [spec('with-history')];
    const hourly = (fromMs: number, toMs: number) => ({
      meters,
      fromMs,
      toMs,
      timeZone: TZ,
      boundaries: bucketBoundaries(fromMs, toMs, 'hour', TZ),
      segmentBucket: 'hour' as const,
    });
    const whole = (await storeConsumption(store, hourly(october.fromMs, october.toMs))).results.get('with-history')!;
    const before = await storeConsumption(store, {
      ...hourly(october.fromMs, cutMs),
      readingsAfter: { untilMs: october.toMs, limit: 8 },
    });
    const after = await storeConsumption(store, { ...hourly(cutMs, october.toMs), learnFromMs: october.fromMs });
    const cutAt = whole.buckets.findIndex((b) => b.startMs === cutMs);
    expect(before.results.get('with-history')!.buckets).toEqual(whole.buckets.slice(0, cutAt));
    expect(after.results.get('with-history')!.buckets).toEqual(whole.buckets.slice(cutAt));
    expect(whole.reviews.map((r) => r.reason)).toEqual(['implausible_jump']);

    // Without the look-ahead the part before differs: the spike is its last reading, and nothing contradicts it.
    const plainBefore = await storeConsumption(store, hourly(october.fromMs, cutMs));
    expect(plainBefore.results.get('with-history')!.buckets).not.toEqual(whole.buckets.slice(0, cutAt));
  });
});
