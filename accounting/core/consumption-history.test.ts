import { describe, expect, it } from 'vitest';
import { bucketBoundaries } from '../../src/kernel/index.js';
import { computeConsumption, heldReadings, type MeterSpec, type RegisterReading } from './consumption.js';
import { defaultCeilingPerHour, learnedRateBound, plausibleMaxPerHour } from './plausibility.js';
import { impliedRegisterResolution, registerModulus } from './register-range.js';

/** Issue 6 §1, §2, §3, §5, §6: rollover step, transient spikes, unrated meters, replacement instants, held readings. */

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

describe('register range', () => {
  it('implies the resolution from the decimals registerMax is written with', () => {
    expect(impliedRegisterResolution(99_999.99)).toBe(0.01);
    expect(impliedRegisterResolution(99_999_999)).toBe(1);
    expect(impliedRegisterResolution(9_999.999)).toBe(0.001);
  });

  it('wraps one step after registerMax', () => {
    expect(registerModulus(99_999.99)).toBe(100_000);
    expect(registerModulus(99_999_999)).toBe(100_000_000);
    expect(registerModulus(99_999, 0.5)).toBe(99_999.5);
  });
});

describe('rollover step under a CT multiplier', () => {
  it('99 999.99 → 0.00 is one step: 0.01 × 400 = 4 kWh, not 0', () => {
    const r = computeConsumption(
      meter({ registerMax: 99_999.99, multiplier: 400 }),
      series([
        [0, 99_999.98],
        [15, 99_999.99],
        [30, 0],
        [45, 0.01],
      ]),
      hours(1),
    );
    expect(r.intervals.map((i) => i.rule)).toEqual(['register_delta', 'rollover', 'register_delta']);
    expect(r.intervals[1]?.amount).toBeCloseTo(4, 6);
    expect(r.totals.booked).toBeCloseTo(12, 6);
  });

  it('an explicit resolution wins over the implied one', () => {
    const r = computeConsumption(
      meter({ registerMax: 9_999, registerResolution: 0.1, multiplier: 80 }),
      series([
        [0, 9_998.5],
        [15, 0.5],
      ]),
      hours(1),
    );
    // (9 999.1 − 9 998.5 + 0.5) × 80 = 1.1 × 80 = 88
    expect(r.totals.booked).toBeCloseTo(88, 9);
  });
});

describe('transient spikes', () => {
  const points: Array<[number, number]> = [
    [0, 1000],
    [15, 1010],
    [30, 999_999_999],
    [45, 1030],
    [60, 1040],
  ];

  it('with a rating: the spike is ignored, the interval across it books 1010 → 1030, nothing is held', () => {
    const r = computeConsumption(meter({ ratedMaxPerHour: 100 }), series(points), hours(1));
    expect(r.ignoredReadings).toEqual([{ tsMs: at(30), value: 999_999_999, reason: 'transient_spike' }]);
    expect(r.reviews).toEqual([]);
    expect(r.totals.booked).toBe(40);
    expect(r.intervals.map((i) => [i.fromValue, i.toValue])).toEqual([
      [1000, 1010],
      [1010, 1030],
      [1030, 1040],
    ]);
  });

  it('without a rating: the carrier ceiling alone makes it a spike', () => {
    const r = computeConsumption(meter({ ceilingPerHour: 50_000 }), series(points), hours(1));
    expect(r.ignoredReadings.map((i) => i.reason)).toEqual(['transient_spike']);
    expect(r.totals.booked).toBe(40);
  });

  it('a rise within the bound that the next reading undercuts is not a spike (the dip rule judges the drop)', () => {
    // 1010 → 1030 is 80 per hour, under the rating; 1025 is a dip recovered at 1040.
    const r = computeConsumption(
      meter({ ratedMaxPerHour: 100 }),
      series([
        [0, 1000],
        [15, 1010],
        [30, 1030],
        [45, 1025],
        [60, 1040],
      ]),
      hours(1),
    );
    expect(r.ignoredReadings).toEqual([{ tsMs: at(45), value: 1025, reason: 'transient_dip' }]);
    expect(r.totals.booked).toBe(40);
  });

  it('a jump the next reading confirms is held, not ignored', () => {
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
    expect(r.ignoredReadings).toEqual([]);
    expect(r.reviews.map((v) => v.reason)).toEqual(['implausible_jump']);
  });
});

describe('meters without a rating', () => {
  it('learns a robust bound: one earlier spike does not raise it', () => {
    const peaks = [40, 42, 38, 45, 41, 39, 44, 43];
    const bound = learnedRateBound(peaks) as number;
    expect(learnedRateBound([...peaks, 1e9])).toBeLessThan(1.05 * bound);
    expect(bound).toBeGreaterThan(4 * 45);
    expect(learnedRateBound([40, 41, 0, 0])).toBeUndefined();
  });

  it('applies the lower of the learned bound and the ceiling; a rating replaces both', () => {
    expect(plausibleMaxPerHour({ learnedMaxPerHour: 300, ceilingPerHour: 50_000 })).toBe(300);
    expect(plausibleMaxPerHour({ learnedMaxPerHour: 90_000, ceilingPerHour: 50_000 })).toBe(50_000);
    expect(plausibleMaxPerHour({ ratedMaxPerHour: 70_000, learnedMaxPerHour: 300, ceilingPerHour: 50_000 })).toBe(
      70_000,
    );
    expect(defaultCeilingPerHour('electricity', 'MWh')).toBe(50);
    expect(defaultCeilingPerHour('district_heat', 'kWh')).toBeCloseTo(200 / 0.0036, 6);
  });

  it('holds a confirmed rise above the learned bound, never books it', () => {
    const r = computeConsumption(
      meter({ learnedMaxPerHour: 200, ceilingPerHour: 50_000 }),
      series([
        [0, 1000],
        [15, 1010],
        [30, 1500],
        [45, 1510],
      ]),
      hours(1),
    );
    expect(r.reviews.map((v) => [v.reason, v.amount])).toEqual([['implausible_jump', 490]]);
    expect(r.totals.booked).toBe(20);
  });

  it('holds a 999 999 999 register that stays there, and names it among the held readings', () => {
    const r = computeConsumption(
      meter({ ceilingPerHour: 50_000 }),
      series([
        [0, 1000],
        [15, 1010],
        [30, 999_999_999],
      ]),
      hours(1),
    );
    expect(r.totals.booked).toBe(10);
    expect(heldReadings(r)).toEqual([{ meterId: 'm1', tsMs: at(30), value: 999_999_999, reason: 'implausible_jump' }]);
  });
});

describe('meter replacement at the event instant', () => {
  const replacement = { atMs: at(30), oldFinal: 5_020, newInitial: 3 };

  it('a reading at the instant with the old final belongs to the old register', () => {
    const r = computeConsumption(
      meter({ replacements: [replacement] }),
      series([
        [0, 5_000],
        [15, 5_010],
        [30, 5_020],
        [45, 13],
      ]),
      hours(1),
    );
    expect(r.intervals.map((i) => [i.rule, i.amount])).toEqual([
      ['register_delta', 10],
      ['register_delta', 10],
      ['replacement', 10],
    ]);
    expect(r.reviews).toEqual([]);
  });

  it('a reading at the instant with the new initial belongs to the new register', () => {
    const r = computeConsumption(
      meter({ replacements: [replacement] }),
      series([
        [0, 5_000],
        [15, 5_010],
        [30, 3],
        [45, 13],
      ]),
      hours(1),
    );
    expect(r.intervals.map((i) => [i.rule, i.amount])).toEqual([
      ['register_delta', 10],
      ['replacement', 10],
      ['register_delta', 10],
    ]);
  });

  it('a reading at the instant that fits neither is held for review; the interval across it books the record', () => {
    const r = computeConsumption(
      meter({ replacements: [replacement] }),
      series([
        [0, 5_000],
        [15, 5_010],
        [30, 777],
        [45, 13],
      ]),
      hours(1),
    );
    expect(r.totals.booked).toBe(30);
    expect(r.reviews.map((v) => [v.reason, v.fromMs, v.amount])).toEqual([
      ['replacement_unmatched_reading', at(30), 0],
    ]);
    expect(heldReadings(r)).toEqual([
      { meterId: 'm1', tsMs: at(30), value: 777, reason: 'replacement_unmatched_reading' },
    ]);
    expect(r.buckets[0]).toMatchObject({ quality: 'quarantined', reviewIndexes: [0] });
  });
});
