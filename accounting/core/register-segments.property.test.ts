import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketBoundaries, bucketStart, type Bucket } from '../../src/kernel/index.js';
import {
  computeConsumption,
  normalizeReadings,
  type ConsumptionResult,
  type MeterReplacement,
  type MeterSpec,
  type RegisterReading,
} from './consumption.js';
import { assembleReadings, reduceToSegments, segmentsNeedingRaw, SPILL_READINGS } from './register-segments.js';

/**
 * The store-side reduction is faithful: computeConsumption over every raw
 * reading and over the store-reduced series (one register segment per bucket,
 * raw readings only where a segment is anomalous, plus the spill after it) give
 * the same per-bucket consumption, estimated, quarantined amounts, reading
 * counts, covered time and quality. The reduction here is the reference the
 * stores' SQL implements (the contract suite checks the stores against fixed
 * answers of the same rules).
 */

const MINUTE_MS = 60_000;
const TZ = 'Asia/Shanghai';
// A local midnight (16:00Z the day before): the range is three local days.
const FROM_MS = Date.parse('2026-10-01T00:00:00+08:00');
const TO_MS = Date.parse('2026-10-04T00:00:00+08:00');
/** The register shows 0 … 9 999: it counts modulo 10 000. */
const REGISTER_MAX = 9_999;

type Kind = 'normal' | 'gap' | 'dip' | 'spike' | 'drop' | 'jump' | 'replace' | 'burst';

interface Step {
  readonly kind: Kind;
  readonly increment: number;
  readonly gapMinutes: number;
  readonly dips: readonly number[];
  readonly newInitial: number;
  /** Restart dips a minute apart, or at the normal cadence (so that they cross bucket boundaries). */
  readonly dipSpacingMinutes: number;
  /** A transient spike this many minutes after the previous reading. */
  readonly spikeOffsetMinutes: number;
  /** A replacement recorded at the previous reading's instant (its value is the old final). */
  readonly replaceAtReading: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant<Kind>('normal'), weight: 20 },
    { arbitrary: fc.constant<Kind>('dip'), weight: 3 },
    { arbitrary: fc.constantFrom<Kind>('gap', 'spike', 'drop', 'jump', 'replace', 'burst'), weight: 3 },
  ),
  increment: fc.integer({ min: 0, max: 50 }),
  gapMinutes: fc.integer({ min: 16, max: 30 * 60 }),
  dips: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 4 }),
  newInitial: fc.integer({ min: 0, max: 500 }),
  dipSpacingMinutes: fc.constantFrom(1, 15),
  spikeOffsetMinutes: fc.integer({ min: 1, max: 14 }),
  replaceAtReading: fc.boolean(),
});

interface Case {
  readonly meter: MeterSpec;
  /** One reading per timestamp, ascending: what a store holds. */
  readonly stored: readonly RegisterReading[];
  readonly bucket: Bucket;
  /** The core's buckets: the same as the segments', or one bucket for the whole range (a report). */
  readonly wholeRange: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    startOffsetMinutes: fc.integer({ min: -600, max: 600 }),
    start: fc.integer({ min: 0, max: 9_000 }),
    registerMax: fc.option(fc.constant(REGISTER_MAX), { nil: undefined }),
    rated: fc.option(fc.constantFrom(100, 250, 5_000), { nil: undefined }),
    unrated: fc.constantFrom('none', 'learned', 'ceiling'),
    multiplier: fc.constantFrom(1, 0.5, 40),
    steps: fc.array(stepArb, { minLength: 1, maxLength: 400 }),
    bucket: fc.constantFrom<Bucket>('hour', 'day'),
    wholeRange: fc.boolean(),
  })
  .map((p) => {
    const readings: RegisterReading[] = [];
    const replacements: MeterReplacement[] = [];
    let ts = FROM_MS + p.startOffsetMinutes * MINUTE_MS;
    let value = p.start;
    const wrap = (v: number) => (p.registerMax === undefined ? v : v % (p.registerMax + 1));
    readings.push({ tsMs: ts, value });
    for (const step of p.steps) {
      let dt = 15;
      let next = wrap(value + step.increment);
      if (step.kind === 'gap') dt = step.gapMinutes;
      if (step.kind === 'burst') dt = 1;
      if (step.kind === 'dip') {
        step.dips.forEach((d, k) =>
          readings.push({ tsMs: ts + (k + 1) * step.dipSpacingMinutes * MINUTE_MS, value: Math.max(0, value - d) }),
        );
        dt = (step.dips.length + 1) * step.dipSpacingMinutes;
      }
      if (step.kind === 'drop') next = Math.max(0, value - 100 - step.increment);
      if (step.kind === 'jump') next = value + 50_000;
      if (step.kind === 'spike')
        readings.push({ tsMs: ts + step.spikeOffsetMinutes * MINUTE_MS, value: value + step.increment + 50_000 });
      const replacedAt = ts + (step.replaceAtReading ? 0 : 7 * MINUTE_MS);
      if (step.kind === 'replace' && !replacements.some((r) => r.atMs === replacedAt)) {
        replacements.push({
          atMs: replacedAt,
          oldFinal: value + (step.replaceAtReading ? 0 : step.increment),
          newInitial: step.newInitial,
        });
        next = step.newInitial + step.increment;
      }
      ts += dt * MINUTE_MS;
      value = next;
      readings.push({ tsMs: ts, value });
    }
    const meter: MeterSpec = {
      id: 'seg',
      register: 'cumulative',
      multiplier: p.multiplier,
      expectedIntervalMinutes: 15,
      ...(p.registerMax === undefined ? {} : { registerMax: p.registerMax }),
      ...(p.rated === undefined ? {} : { ratedMaxPerHour: p.rated * p.multiplier }),
      // Without a rating: sometimes a learned bound, sometimes only the carrier ceiling (core/plausibility.ts).
      ...(p.rated === undefined && p.unrated === 'learned'
        ? { learnedMaxPerHour: 250 * p.multiplier, ceilingPerHour: 1e9 }
        : {}),
      ...(p.rated === undefined && p.unrated === 'ceiling' ? { ceilingPerHour: 5_000 * p.multiplier } : {}),
      replacements,
    };
    return { meter, stored: normalizeReadings(readings).series, bucket: p.bucket, wholeRange: p.wholeRange };
  });

/** What the use case does against a store, here against an in-memory one. */
function viaSegments(c: Case, boundaries: readonly number[]): ConsumptionResult {
  const inRange = c.stored.filter((r) => r.tsMs >= FROM_MS && r.tsMs < TO_MS);
  const before = c.stored.filter((r) => r.tsMs < FROM_MS).at(-1);
  const after = c.stored.find((r) => r.tsMs >= TO_MS);
  const segments = reduceToSegments(inRange, (tsMs) => bucketStart(tsMs, c.bucket, TZ));
  const raw = new Set(segmentsNeedingRaw(c.meter, segments, before));
  const known: RegisterReading[] = [];
  for (const index of raw) {
    const s = segments[index];
    if (s === undefined) continue;
    known.push(...inRange.filter((r) => r.tsMs >= s.firstTsMs && r.tsMs <= s.lastTsMs));
    known.push(...inRange.filter((r) => r.tsMs > s.lastTsMs).slice(0, SPILL_READINGS));
  }
  const assembled = assembleReadings(segments, known, raw);
  return computeConsumption(
    c.meter,
    [...(before ? [before] : []), ...assembled, ...(after ? [after] : [])],
    boundaries,
  );
}

function viaRaw(c: Case, boundaries: readonly number[]): ConsumptionResult {
  const before = c.stored.filter((r) => r.tsMs < FROM_MS).at(-1);
  const after = c.stored.find((r) => r.tsMs >= TO_MS);
  const inRange = c.stored.filter((r) => r.tsMs >= FROM_MS && r.tsMs < TO_MS);
  return computeConsumption(c.meter, [...(before ? [before] : []), ...inRange, ...(after ? [after] : [])], boundaries);
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

describe('consumption from store-reduced register segments', () => {
  it('equals consumption from every raw reading, bucket by bucket', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const boundaries = c.wholeRange ? [FROM_MS, TO_MS] : bucketBoundaries(FROM_MS, TO_MS, c.bucket, TZ);
        const raw = viaRaw(c, boundaries);
        const reduced = viaSegments(c, boundaries);
        raw.buckets.forEach((expected, k) => {
          const actual = reduced.buckets[k];
          if (actual === undefined) throw new Error(`bucket ${k} missing`);
          const same =
            close(actual.consumption, expected.consumption) &&
            close(actual.estimatedAmount, expected.estimatedAmount) &&
            close(actual.quarantinedAmount, expected.quarantinedAmount) &&
            actual.receivedReadings === expected.receivedReadings &&
            actual.bookedMs === expected.bookedMs &&
            actual.quarantinedMs === expected.quarantinedMs &&
            actual.quality === expected.quality &&
            actual.estimated === expected.estimated;
          if (!same)
            expect({ k, ...actual, reviewIndexes: undefined }).toEqual({ k, ...expected, reviewIndexes: undefined });
        });
        expect(reduced.reviews.length).toBe(raw.reviews.length);
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it('gives the readings after an anomalous bucket one by one: a dip can recover on the second reading of the next bucket', () => {
    const meter: MeterSpec = {
      id: 'm',
      register: 'cumulative',
      multiplier: 1,
      expectedIntervalMinutes: 15,
      replacements: [],
    };
    const at = (minutes: number, value: number) => ({ tsMs: FROM_MS + minutes * MINUTE_MS, value });
    // 00:45 and 01:00 are a restart's dip; 01:15 is back above 00:30.
    const stored = [at(0, 100), at(15, 101), at(30, 102), at(45, 5), at(60, 6), at(75, 103), at(90, 104), at(105, 105)];
    const c: Case = { meter, stored, bucket: 'hour', wholeRange: false };
    const boundaries = bucketBoundaries(FROM_MS, TO_MS, 'hour', TZ);
    const reduced = viaSegments(c, boundaries);
    expect(reduced.buckets.slice(0, 2).map((b) => b.consumption)).toEqual(
      viaRaw(c, boundaries)
        .buckets.slice(0, 2)
        .map((b) => b.consumption),
    );
    // 00:30 → 01:15 books 1 (the dip ignored), 30 of its 45 minutes in the first hour.
    const [first, second] = reduced.buckets;
    expect(first?.consumption).toBeCloseTo(2 + 2 / 3, 12);
    expect(second?.consumption).toBeCloseTo(1 / 3 + 2, 12);
  });

  it('reduces a clean day to two readings, the last standing for the rest', () => {
    const meter: MeterSpec = {
      id: 'm',
      register: 'cumulative',
      multiplier: 1,
      expectedIntervalMinutes: 15,
      replacements: [],
    };
    const day = Array.from({ length: 96 }, (_, i) => ({ tsMs: FROM_MS + i * 15 * MINUTE_MS, value: 100 + i }));
    const segments = reduceToSegments(day, (tsMs) => bucketStart(tsMs, 'day', TZ));
    expect(segmentsNeedingRaw(meter, segments)).toEqual([]);
    expect(assembleReadings(segments, [], new Set())).toEqual([
      { tsMs: FROM_MS, value: 100 },
      { tsMs: FROM_MS + 95 * 15 * MINUTE_MS, value: 195, sampledReadings: 95 },
    ]);
    expect(segmentsNeedingRaw(meter, segments, { tsMs: FROM_MS - 1, value: 101 })).toEqual([0]);
    // The one reduced interval stands for 95 readings 15 minutes apart: not a gap, and counted as 95 readings.
    const boundaries = [FROM_MS, FROM_MS + 86_400_000];
    const reduced = computeConsumption(meter, assembleReadings(segments, [], new Set()), boundaries);
    expect(reduced.intervals.map((i) => i.estimated)).toEqual([false]);
    expect(reduced.buckets[0]?.receivedReadings).toBe(95);
    expect(reduced.buckets[0]?.consumption).toBe(computeConsumption(meter, day, boundaries).buckets[0]?.consumption);
  });
});
