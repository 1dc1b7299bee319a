import { describe, expect, it } from 'vitest';
import { bucketBoundaries } from '../../src/kernel/index.js';
import {
  affectedBuckets,
  computeConsumption,
  normalizeReadings,
  type MeterSpec,
  type RegisterReading,
} from './consumption.js';

// 2026-10-01 00:00 in Shanghai; readings are placed by minutes after it.
const BASE_MS = Date.parse('2026-10-01T00:00:00+08:00');
const at = (minutes: number) => BASE_MS + minutes * 60_000;
const series = (points: Array<[minutes: number, value: number]>): RegisterReading[] =>
  points.map(([m, value]) => ({ tsMs: at(m), value }));
const hours = (n: number) => bucketBoundaries(BASE_MS, at(60 * n), 'hour', 'Asia/Shanghai');

const meter = (overrides: Partial<MeterSpec> = {}): MeterSpec => ({
  id: 'm1',
  register: 'cumulative',
  multiplier: 1,
  expectedIntervalMinutes: 15,
  replacements: [],
  ...overrides,
});

describe('consumption from a cumulative register', () => {
  it('books register differences in the bucket they fall in', () => {
    const r = computeConsumption(
      meter(),
      series([
        [0, 1000],
        [15, 1010],
        [30, 1020],
        [45, 1030],
        [60, 1040],
        [75, 1041],
      ]),
      hours(2),
    );
    expect(r.buckets.map((b) => b.consumption)).toEqual([40, 1]);
    expect(r.buckets[0]).toMatchObject({
      quality: 'measured',
      receivedReadings: 4,
      expectedReadings: 4,
      estimatedShare: 0,
    });
    // Second hour: one interval of four, the rest has no readings yet.
    expect(r.buckets[1]).toMatchObject({ quality: 'partial', bookedMs: 15 * 60_000, receivedReadings: 1 });
  });

  it('applies the CT/PT multiplier: 40 register units × 80 = 3200 kWh', () => {
    const r = computeConsumption(
      meter({ multiplier: 80 }),
      series([
        [0, 1000],
        [30, 1020],
        [60, 1040],
      ]),
      hours(1),
    );
    expect(r.totals.booked).toBe(3200);
  });

  it('orders by device timestamp and ignores exact duplicates (a replayed message)', () => {
    const readings = series([
      [60, 1040],
      [0, 1000],
      [30, 1020],
      [30, 1020],
      [15, 1010],
      [45, 1030],
    ]);
    const r = computeConsumption(meter(), readings, hours(1));
    expect(r.totals.booked).toBe(40);
    expect(r.duplicatesIgnored).toBe(1);
    expect(r.conflicts).toEqual([]);
  });

  it('reports conflicting duplicates, keeps the highest value whatever the arrival or input order, and lists a review', () => {
    const readings: RegisterReading[] = [
      { tsMs: at(0), value: 1000 },
      { tsMs: at(30), value: 1025, receivedAtMs: at(90) },
      { tsMs: at(30), value: 1020, receivedAtMs: at(31) },
      { tsMs: at(60), value: 1040 },
    ];
    const r = computeConsumption(meter(), readings, hours(1));
    expect(r.conflicts).toEqual([{ tsMs: at(30), values: [1020, 1025], chosenValue: 1025 }]);
    expect(r.reviews.map((v) => [v.reason, v.toMs, v.toValue, v.amount])).toEqual([
      ['conflicting_duplicate', at(30), 1025, 0],
    ]);
    expect(computeConsumption(meter(), [...readings].reverse(), hours(1))).toEqual(r);
    // The later arrival of the lower value does not change the pick: arrival times play no part.
    const swapped = readings.map((x) => (x.value === 1020 ? { ...x, receivedAtMs: at(120) } : x));
    expect(computeConsumption(meter(), swapped, hours(1)).conflicts[0]?.chosenValue).toBe(1025);
    expect(
      normalizeReadings([
        { tsMs: 1, value: 3 },
        { tsMs: 1, value: 5 },
      ]).series,
    ).toEqual([{ tsMs: 1, value: 5 }]);
  });

  it('ignores a transient zero after a restart that the next reading contradicts: 1000, 0, 1002 → 2', () => {
    const r = computeConsumption(
      meter(),
      series([
        [0, 1000],
        [15, 0],
        [30, 1002],
      ]),
      hours(1),
    );
    expect(r.totals.booked).toBe(2);
    expect(r.ignoredReadings).toEqual([{ tsMs: at(15), value: 0, reason: 'transient_dip' }]);
    expect(r.reviews).toEqual([]);
    expect(r.intervals).toHaveLength(1);
  });

  it('ignores a run of up to three dip readings, not more', () => {
    const short = computeConsumption(
      meter(),
      series([
        [0, 1000],
        [15, 0],
        [30, 0],
        [45, 3],
        [60, 1004],
      ]),
      hours(1),
    );
    expect(short.totals.booked).toBe(4);
    expect(short.ignoredReadings).toHaveLength(3);
    const long = computeConsumption(
      meter(),
      series([
        [0, 1000],
        [10, 0],
        [20, 0],
        [30, 0],
        [40, 0],
        [60, 1004],
      ]),
      hours(1),
    );
    expect(long.reviews.map((v) => v.reason)).toEqual(['unexplained_drop']);
  });

  it('books a rollover at the register maximum: 99 990 → 5 → 15 with max 99 999 (modulus 100 000) is 25', () => {
    const r = computeConsumption(
      meter({ registerMax: 99_999 }),
      series([
        [0, 99_990],
        [15, 5],
        [30, 15],
      ]),
      hours(1),
    );
    expect(r.totals.booked).toBe(25);
    expect(r.intervals.map((i) => i.rule)).toEqual(['rollover', 'register_delta']);
  });

  it('refuses a rollover the rating makes impossible', () => {
    // 50 000 → 40 000 would wrap 90 000 units in 15 minutes.
    const r = computeConsumption(
      meter({ registerMax: 99_999, ratedMaxPerHour: 500 }),
      series([
        [0, 50_000],
        [15, 40_000],
        [30, 40_010],
        [45, 40_020],
        [60, 40_030],
      ]),
      hours(1),
    );
    expect(r.reviews.map((v) => [v.reason, v.amount])).toEqual([['unexplained_drop', -10_000]]);
    expect(r.totals.booked).toBe(30);
  });

  it('quarantines an unexplained drop, books nothing for it, and shows it in the bucket', () => {
    const r = computeConsumption(
      meter(),
      series([
        [0, 50_000],
        [15, 40_000],
        [30, 40_010],
        [45, 40_020],
        [60, 40_030],
      ]),
      hours(1),
    );
    expect(r.reviews).toEqual([
      expect.objectContaining({
        meterId: 'm1',
        reason: 'unexplained_drop',
        fromMs: at(0),
        toMs: at(15),
        fromValue: 50_000,
        toValue: 40_000,
        amount: -10_000,
      }),
    ]);
    expect(r.buckets[0]).toMatchObject({
      consumption: 30,
      quarantinedAmount: -10_000,
      quality: 'quarantined',
      reviewIndexes: [0],
    });
    // Conservation: booked + quarantined = last − first.
    expect(r.totals.booked + r.totals.quarantined).toBe(40_030 - 50_000);
  });

  it('books a recorded replacement as (oldFinal − prev) + (next − newInitial)', () => {
    const m = meter({ replacements: [{ atMs: at(20), oldFinal: 5013, newInitial: 0 }] });
    const r = computeConsumption(
      m,
      series([
        [0, 5000],
        [15, 5010],
        [30, 4],
        [45, 14],
      ]),
      hours(1),
    );
    // 10 + (5013 − 5010) + (4 − 0) + 10 = 27
    expect(r.totals.booked).toBe(27);
    expect(r.intervals.map((i) => [i.rule, i.amount])).toEqual([
      ['register_delta', 10],
      ['replacement', 7],
      ['register_delta', 10],
    ]);
    expect(r.reviews).toEqual([]);
  });

  it('quarantines a replacement record that contradicts the readings', () => {
    const m = meter({ replacements: [{ atMs: at(20), oldFinal: 5000, newInitial: 0 }] });
    const r = computeConsumption(
      m,
      series([
        [0, 5000],
        [15, 5010],
        [30, 4],
      ]),
      hours(1),
    );
    expect(r.reviews.map((v) => [v.reason, v.amount])).toEqual([['replacement_mismatch', -6]]);
    expect(r.totals.booked).toBe(10);
  });

  it('quarantines a jump above the rated rate and books the intervals around it', () => {
    // Rating 100 kWh/h; 490 kWh in 15 minutes is 1960 kWh/h.
    const r = computeConsumption(
      meter({ ratedMaxPerHour: 100 }),
      series([
        [0, 1000],
        [15, 1010],
        [30, 1500],
        [45, 1510],
      ]),
      hours(1),
    );
    expect(r.reviews.map((v) => [v.reason, v.amount, v.fromMs, v.toMs])).toEqual([
      ['implausible_jump', 490, at(15), at(30)],
    ]);
    expect(r.totals.booked).toBe(20);
    expect(r.totals.quarantined).toBe(490);
    expect(r.buckets[0]?.quality).toBe('quarantined');
  });

  it('judges the rating after the multiplier (a physical rate)', () => {
    // 10 register units × 80 in 15 minutes = 3200 kWh/h > 3000.
    const r = computeConsumption(
      meter({ multiplier: 80, ratedMaxPerHour: 3000 }),
      series([
        [0, 0],
        [15, 10],
      ]),
      hours(1),
    );
    expect(r.reviews[0]?.reason).toBe('implausible_jump');
  });

  it('spreads a gap by time over its buckets, flagged estimated, without inventing energy', () => {
    const r = computeConsumption(
      meter(),
      series([
        [0, 1000],
        [180, 1090],
      ]),
      hours(3),
    );
    expect(r.buckets.map((b) => [b.consumption, b.estimatedShare, b.quality])).toEqual([
      [30, 1, 'estimated'],
      [30, 1, 'estimated'],
      [30, 1, 'estimated'],
    ]);
    expect(r.totals.booked).toBe(90);
  });

  it('keeps a gap wholly inside one bucket exact: the bucket total is the register difference', () => {
    const days = bucketBoundaries(BASE_MS, at(24 * 60), 'day', 'Asia/Shanghai');
    const r = computeConsumption(
      meter(),
      series([
        [0, 1000],
        [180, 1090],
      ]),
      days,
    );
    expect(r.buckets.map((b) => [b.consumption, b.estimated, b.quality])).toEqual([[90, false, 'partial']]);
    expect(r.intervals[0]?.estimated).toBe(true);
  });

  it('does not call a normal interval straddling a boundary a gap', () => {
    const r = computeConsumption(
      meter(),
      series([
        [50, 1000],
        [65, 1015],
      ]),
      hours(2),
    );
    expect(r.buckets.map((b) => [b.consumption, b.estimated])).toEqual([
      [10, false],
      [5, false],
    ]);
  });

  it('cuts days in the institution zone: the 00:30 Shanghai reading closes an interval of 1 October', () => {
    const days = bucketBoundaries(
      Date.parse('2026-09-30T00:00:00+08:00'),
      Date.parse('2026-10-02T00:00:00+08:00'),
      'day',
      'Asia/Shanghai',
    );
    const r = computeConsumption(
      meter(),
      [
        { tsMs: Date.parse('2026-09-30T16:00:00Z'), value: 100 },
        { tsMs: Date.parse('2026-09-30T16:30:00Z'), value: 107 },
      ],
      days,
    );
    expect(r.buckets.map((b) => b.consumption)).toEqual([0, 7]);
  });
});

describe('consumption from an interval meter', () => {
  it('sums the values, each for the interval ending at its timestamp', () => {
    const r = computeConsumption(
      meter({ register: 'interval' }),
      series([
        [15, 10],
        [30, 12],
        [45, 0],
        [60, 8],
        [75, 5],
      ]),
      hours(2),
    );
    expect(r.buckets.map((b) => b.consumption)).toEqual([30, 5]);
    expect(r.buckets[0]?.quality).toBe('measured');
  });

  it('quarantines a negative interval value and one above the rating', () => {
    const r = computeConsumption(
      meter({ register: 'interval', ratedMaxPerHour: 100 }),
      series([
        [15, 10],
        [30, -3],
        [45, 200],
        [60, 8],
      ]),
      hours(1),
    );
    expect(r.reviews.map((v) => v.reason)).toEqual(['negative_interval_value', 'implausible_jump']);
    expect(r.totals.booked).toBe(18);
    expect(r.totals.booked + r.totals.quarantined).toBe(10 - 3 + 200 + 8);
  });
});

describe('late readings', () => {
  const existing = series([
    [0, 1000],
    [180, 1090],
  ]);

  it('names the buckets a late reading inside a gap changes', () => {
    const late = series([[90, 1060]]);
    const result = affectedBuckets(meter(), existing, late, hours(4));
    expect(result.indexes).toEqual([0, 1, 2]);
    // Recomputing after the late reading: 60 over 00:00–01:30, 30 over 01:30–03:00.
    const after = computeConsumption(meter(), [...existing, ...late], hours(4));
    expect(after.buckets.map((b) => b.consumption)).toEqual([40, 30, 20, 0]);
  });

  it('changes nothing for a late duplicate', () => {
    expect(affectedBuckets(meter(), existing, series([[180, 1090]]), hours(4)).indexes).toEqual([]);
  });

  it('reaches back when a late reading contradicts a dip', () => {
    const before = series([
      [0, 1000],
      [15, 1010],
      [30, 0],
    ]);
    const late = series([[75, 1020]]);
    const result = affectedBuckets(meter(), before, late, hours(2));
    expect(result.indexes).toEqual([0, 1]);
    expect(computeConsumption(meter(), [...before, ...late], hours(2)).reviews).toEqual([]);
    expect(result.readingWindow).toEqual({ fromMs: at(0), toMs: at(75) });
  });
});
