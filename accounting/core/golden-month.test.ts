import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import {
  applyFactor,
  affectedBuckets,
  computeConsumption,
  selectFactor,
  type FactorCatalogue,
  type FactorQuery,
  type MeterSpec,
  type RegisterReading,
} from './index.js';
import { bucketBoundaries, bucketLabel, periodRange } from '../../src/kernel/index.js';

/** tests/fixtures/golden-month.md, reproduced by the core: every figure of the document. */

const TZ = 'Asia/Shanghai';
const october = periodRange('2026-10', TZ)!;
const monthBuckets = [october.fromMs, october.toMs];
const dayBuckets = bucketBoundaries(october.fromMs, october.toMs, 'day', TZ);
const local = (text: string) => Date.parse(`2026-${text}:00+08:00`);
const readings = (points: Array<[string, number]>): RegisterReading[] =>
  points.map(([t, value]) => ({ tsMs: local(t), value }));
const daily = { register: 'cumulative', multiplier: 1, expectedIntervalMinutes: 1440, replacements: [] } as const;

const E1: MeterSpec = { ...daily, id: 'E1', registerMax: 99_999, ratedMaxPerHour: 500 };
const E1_LATE = readings([['10-10T00:00', 4_600]]);
const E1_READINGS = readings([
  ['10-01T00:00', 99_200],
  ['10-02T00:00', 99_800],
  ['10-03T00:00', 400],
  ['10-04T00:00', 1_000],
  ['10-11T00:00', 4_900],
  ['10-11T00:15', 0],
  ['10-12T00:00', 5_500],
  ['11-01T00:00', 17_500],
]);
const W1: MeterSpec = {
  ...daily,
  id: 'W1',
  replacements: [{ atMs: local('10-20T10:00'), oldFinal: 1_402, newInitial: 0 }],
};
const W1_READINGS = readings([
  ['10-01T00:00', 1_200],
  ['10-15T00:00', 1_350],
  ['11-01T00:00', 95],
]);
const G1: MeterSpec = { ...daily, id: 'G1', ratedMaxPerHour: 20 };
const G1_READINGS = readings([
  ['10-01T00:00', 5_000],
  ['10-16T00:00', 5_400],
  ['10-16T01:00', 9_400],
  ['11-01T00:00', 9_700],
]);

const catalogue: FactorCatalogue = readFactorCatalogue();
function factor(query: FactorQuery) {
  const selection = selectFactor(catalogue, query);
  if (!('ok' in selection)) throw new Error(selection.error.message);
  return selection.ok;
}
function times(quantity: number, unit: 'kWh' | 'm3', query: FactorQuery): number {
  const result = applyFactor({ value: quantity, unit }, factor(query).entry);
  if (!('ok' in result)) throw new Error(result.error.message);
  return result.ok.value;
}

describe('golden month, October 2026', () => {
  it('E1: 18 300 kWh across a rollover, a restart zero and two gaps, exact for the month', () => {
    const month = computeConsumption(E1, [...E1_READINGS, ...E1_LATE], monthBuckets);
    expect(month.buckets[0]).toMatchObject({ consumption: 18_300, estimatedShare: 0, quality: 'measured' });
    expect(month.intervals.map((i) => i.rule)).toContain('rollover');
    expect(month.ignoredReadings).toEqual([{ tsMs: local('10-11T00:15'), value: 0, reason: 'transient_dip' }]);

    const days = computeConsumption(E1, [...E1_READINGS, ...E1_LATE], dayBuckets).buckets;
    const expected = [600, 600, 600, 600, 600, 600, 600, 600, 600, 300, 600, ...Array<number>(20).fill(600)];
    days.forEach((d, k) => expect(d.consumption, bucketLabel(d.startMs, 'day', TZ)).toBeCloseTo(expected[k]!, 9));
    const estimatedDays = days.flatMap((d, k) => (d.estimated ? [k + 1] : []));
    expect(estimatedDays).toEqual([4, 5, 6, 7, 8, 9, ...Array.from({ length: 20 }, (_, k) => k + 12)]);
    expect(days[10]).toMatchObject({ receivedReadings: 2, expectedReadings: 1 });
  });

  it('E1 late batch: exactly Oct 4 … Oct 10 change; the month keeps its total, gains a reading', () => {
    const before = computeConsumption(E1, E1_READINGS, dayBuckets).buckets;
    expect(before[3]!.consumption).toBeCloseTo(3_900 / 7, 9);
    const { indexes } = affectedBuckets(E1, E1_READINGS, E1_LATE, dayBuckets);
    expect(indexes.map((k) => bucketLabel(dayBuckets[k]!, 'day', TZ))).toEqual([
      '2026-10-04',
      '2026-10-05',
      '2026-10-06',
      '2026-10-07',
      '2026-10-08',
      '2026-10-09',
      '2026-10-10',
    ]);
    expect(affectedBuckets(E1, E1_READINGS, E1_LATE, monthBuckets).indexes).toEqual([0]);
    const [monthBefore, monthAfter] = [E1_READINGS, [...E1_READINGS, ...E1_LATE]].map(
      (r) => computeConsumption(E1, r, monthBuckets).buckets[0]!,
    );
    expect([monthBefore!.consumption, monthAfter!.consumption]).toEqual([18_300, 18_300]);
    expect([monthBefore!.receivedReadings, monthAfter!.receivedReadings]).toEqual([7, 8]);
  });

  it('W1: 297 m3 across a recorded replacement', () => {
    const month = computeConsumption(W1, W1_READINGS, monthBuckets);
    expect(month.totals.booked).toBe(297);
    expect(month.intervals.map((i) => [i.rule, i.amount])).toEqual([
      ['register_delta', 150],
      ['replacement', 147],
    ]);
  });

  it('G1: 700 m3 booked, 4 000 m3 quarantined for review', () => {
    const month = computeConsumption(G1, G1_READINGS, monthBuckets);
    expect(month.totals).toMatchObject({ booked: 700, quarantined: 4_000 });
    expect(month.reviews.map((r) => [r.reason, r.amount])).toEqual([['implausible_jump', 4_000]]);
    const oct16 = computeConsumption(G1, G1_READINGS, dayBuckets).buckets[15]!;
    expect(oct16.quality).toBe('quarantined');
  });

  it('standard coal and CO2 from the catalogue, with the 2023 grid factor used for 2026', () => {
    const grid = factor({
      kind: 'emission',
      carrier: 'electricity',
      region: 'northwest',
      series: 'mee-grid-average',
      year: 2026,
    });
    expect([grid.entry.id, grid.fallback?.usedYear]).toEqual(['mee-grid-2023-northwest', 2023]);
    const electricityKgce = times(18_300, 'kWh', {
      kind: 'standard_coal',
      carrier: 'electricity',
      basis: 'equivalent',
      year: 2026,
    });
    const gasKgce = times(700, 'm3', {
      kind: 'standard_coal',
      carrier: 'natural_gas',
      variant: 'gas-field',
      year: 2026,
    });
    const scope2Kg = times(18_300, 'kWh', {
      kind: 'emission',
      carrier: 'electricity',
      region: 'northwest',
      series: 'mee-grid-average',
      year: 2026,
    });
    const scope1Kg = times(700, 'm3', { kind: 'emission', carrier: 'natural_gas', region: 'northwest', year: 2026 });
    const cents = (x: number) => Math.round(x * 100) / 100;
    expect([electricityKgce, gasKgce, scope2Kg, scope1Kg].map(cents)).toEqual([2_249.07, 850.01, 10_143.69, 1_515.5]);
    expect(cents(electricityKgce + gasKgce)).toBe(3_099.08);
    expect(cents(scope1Kg + scope2Kg)).toBe(11_659.19);
    expect(selectFactor(catalogue, { kind: 'standard_coal', carrier: 'water', year: 2026 })).toMatchObject({
      error: { code: 'FACTOR_MISSING' },
    });
  });
});
