import { describe, expect, it } from 'vitest';
import { bucketBoundaries, bucketLabel, periodRange } from '../../src/kernel/index.js';
import {
  computeConsumption,
  heldReadings,
  learnedRateBound,
  periodFigures,
  registerModulus,
  type MeterSpec,
  type RegisterReading,
} from './index.js';

/** tests/fixtures/golden-history.md, reproduced by the core: every figure of the document. */

const TZ = 'Asia/Shanghai';
const october = periodRange('2026-10', TZ)!;
const month = [october.fromMs, october.toMs];
const days = bucketBoundaries(october.fromMs, october.toMs, 'day', TZ);
const local = (text: string) => Date.parse(`2026-${text}:00+08:00`);
const readings = (points: Array<[string, number]>): RegisterReading[] =>
  points.map(([t, value]) => ({ tsMs: local(t), value }));
const daily = { register: 'cumulative', multiplier: 1, expectedIntervalMinutes: 1440, replacements: [] } as const;
const ELECTRICITY_CEILING = 50_000;

const SPIKED = readings([
  ['10-01T00:00', 1_000],
  ['10-02T00:00', 1_500],
  ['10-03T00:00', 999_999_999],
  ['10-04T00:00', 2_500],
  ['11-01T00:00', 16_000],
]);
const REPLACED = [{ atMs: local('10-15T00:00'), oldFinal: 1_300, newInitial: 0 }];

describe('golden history, October 2026', () => {
  it('R1: 99 999.50 → 0.49 wraps modulo 100 000: 0.99 × 400 = 396 kWh; the month is 5 196 kWh', () => {
    const R1: MeterSpec = { ...daily, id: 'R1', multiplier: 400, registerMax: 99_999.99, ratedMaxPerHour: 500 };
    expect(registerModulus(99_999.99)).toBe(100_000);
    const r = computeConsumption(
      R1,
      readings([
        ['10-01T00:00', 99_999.5],
        ['10-02T00:00', 0.49],
        ['11-01T00:00', 12.49],
      ]),
      month,
    );
    expect(r.intervals.map((i) => i.rule)).toEqual(['rollover', 'register_delta']);
    expect(r.intervals[0]?.amount).toBeCloseTo(396, 6);
    expect(r.buckets[0]?.consumption).toBeCloseTo(5_196, 6);
  });

  it('S1: a spike with a rating is ignored, neither booked nor held; October 15 000 kWh', () => {
    const S1: MeterSpec = { ...daily, id: 'S1', ratedMaxPerHour: 100 };
    const r = computeConsumption(S1, SPIKED, month);
    expect(r.ignoredReadings).toEqual([{ tsMs: local('10-03T00:00'), value: 999_999_999, reason: 'transient_spike' }]);
    expect(r.buckets[0]).toMatchObject({ consumption: 15_000, quarantinedAmount: 0, quality: 'measured' });
    expect(r.reviews).toEqual([]);
    const d = computeConsumption(S1, SPIKED, days).buckets;
    expect([d[0], d[1], d[2]].map((b) => [bucketLabel(b!.startMs, 'day', TZ), b!.consumption, b!.estimated])).toEqual([
      ['2026-10-01', 500, false],
      ['2026-10-02', 500, true],
      ['2026-10-03', 500, true],
    ]);
  });

  it('S2: the same spike without a rating, judged by the carrier ceiling; October 15 000 kWh', () => {
    const r = computeConsumption({ ...daily, id: 'S2', ceilingPerHour: ELECTRICITY_CEILING }, SPIKED, month);
    expect(r.ignoredReadings.map((i) => i.reason)).toEqual(['transient_spike']);
    expect(r.buckets[0]).toMatchObject({ consumption: 15_000, quarantinedAmount: 0 });
  });

  it('U1: the learned bound 223.304 kWh/h holds the 8 000 kWh jump; 27 840 booked, held amount = what was held', () => {
    const learned = learnedRateBound([40, 42, 38, 45, 41, 39, 44]);
    expect(learned).toBeCloseTo(223.304, 9);
    const U1: MeterSpec = { ...daily, id: 'U1', learnedMaxPerHour: learned!, ceilingPerHour: ELECTRICITY_CEILING };
    const points = readings([
      ['10-01T00:00', 0],
      ['10-02T00:00', 960],
      ['10-03T00:00', 1_920],
      ['10-04T00:00', 9_920],
      ['10-05T00:00', 10_880],
      ['11-01T00:00', 35_840],
    ]);
    const r = computeConsumption(U1, points, month);
    expect(r.buckets[0]).toMatchObject({ consumption: 27_840, quarantinedAmount: 8_000, quality: 'quarantined' });
    expect(r.reviews.map((v) => [v.reason, v.amount])).toEqual([['implausible_jump', 8_000]]);
    expect(r.buckets[0]!.quarantinedAmount).toBe(r.reviews.reduce((s, v) => s + v.amount, 0));
    expect(heldReadings(r)).toEqual([
      { meterId: 'U1', tsMs: local('10-04T00:00'), value: 9_920, reason: 'implausible_jump' },
    ]);
  });

  it('P1: a reading at the replacement instant reading the old final is the old register; October 640 m3', () => {
    const r = computeConsumption(
      { ...daily, id: 'P1', replacements: REPLACED },
      readings([
        ['10-01T00:00', 1_000],
        ['10-15T00:00', 1_300],
        ['10-16T00:00', 20],
        ['11-01T00:00', 340],
      ]),
      month,
    );
    expect(r.intervals.map((i) => [i.rule, i.amount])).toEqual([
      ['register_delta', 300],
      ['replacement', 20],
      ['register_delta', 320],
    ]);
    expect(r.buckets[0]).toMatchObject({ consumption: 640, quarantinedAmount: 0 });
    expect(r.reviews).toEqual([]);
  });

  it('P2: a reading at the instant that fits neither register is held; the record books 320; October 640 m3', () => {
    const P2: MeterSpec = { ...daily, id: 'P2', replacements: REPLACED };
    const points = readings([
      ['10-01T00:00', 1_000],
      ['10-15T00:00', 77],
      ['10-16T00:00', 20],
      ['11-01T00:00', 340],
    ]);
    const r = computeConsumption(P2, points, month);
    expect(r.intervals.map((i) => [i.rule, i.amount])).toEqual([
      ['replacement', 320],
      ['register_delta', 320],
    ]);
    expect(r.buckets[0]).toMatchObject({ consumption: 640, quarantinedAmount: 0, reviewIndexes: [0] });
    expect(heldReadings(r)).toEqual([
      { meterId: 'P2', tsMs: local('10-15T00:00'), value: 77, reason: 'replacement_unmatched_reading' },
    ]);
    const d = computeConsumption(P2, points, days).buckets;
    expect(d.flatMap((b) => (b.quality === 'quarantined' ? [bucketLabel(b.startMs, 'day', TZ)] : []))).toEqual([
      '2026-10-14',
    ]);
  });

  it('C1: two values stored for one instant: the higher (1 040) is booked, the conflict is a review; October 940', () => {
    const C1: MeterSpec = { ...daily, id: 'C1', ratedMaxPerHour: 100 };
    const points = readings([
      ['10-01T00:00', 1_000],
      ['10-02T00:00', 1_030],
      ['10-02T00:00', 1_030],
      ['10-02T00:00', 1_040],
      ['10-03T00:00', 1_070],
      ['11-01T00:00', 1_940],
    ]);
    const r = computeConsumption(C1, points, month);
    expect(r.conflicts).toEqual([{ tsMs: local('10-02T00:00'), values: [1_030, 1_040], chosenValue: 1_040 }]);
    expect(r.duplicatesIgnored).toBe(1);
    expect(r.intervals.map((i) => [i.rule, i.amount])).toEqual([
      ['register_delta', 40],
      ['register_delta', 30],
      ['register_delta', 870],
    ]);
    expect(r.reviews).toMatchObject([
      { meterId: 'C1', reason: 'conflicting_duplicate', fromMs: local('10-02T00:00'), toValue: 1_040, amount: 0 },
    ]);
    expect(r.buckets[0]).toMatchObject({ consumption: 940, quarantinedAmount: 0, quality: 'quarantined' });
    expect(periodFigures('C1', r.buckets[0]!)).toMatchObject({ consumption: 940, quarantinedAmount: 0, reviews: 1 });
    // Any arrival order gives the same booking.
    expect(computeConsumption(C1, [...points].reverse(), month).intervals).toEqual(r.intervals);
    const d = computeConsumption(C1, points, days).buckets;
    expect([d[0], d[1]].map((b) => [bucketLabel(b!.startMs, 'day', TZ), b!.consumption, b!.quality])).toEqual([
      ['2026-10-01', 40, 'quarantined'],
      ['2026-10-02', 30, 'measured'],
    ]);
  });
});
