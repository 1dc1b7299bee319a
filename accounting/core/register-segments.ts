import { HOUR_MS } from '../../src/kernel/index.js';
import { MAX_TRANSIENT_READINGS, type MeterSpec, type RegisterReading } from './consumption.js';
import { plausibleMaxPerHour } from './plausibility.js';

/**
 * Consumption from store-reduced readings (docs/methodology.md §13): the store reduces
 * each meter's readings per calendar bucket to a register segment (first and
 * last reading, count, decreases, highest rate between consecutive readings),
 * and `computeConsumption` runs on those instead of every raw reading.
 *
 * Why the result equals the raw computation: inside a bucket with no decrease,
 * no rate above the rating and no recorded replacement, every interval between
 * consecutive readings is a plain, booked register delta (no transient either:
 * a dip needs a decrease, a spike a rate above the bound); their amounts
 * telescope to last − first, and since the whole stretch lies inside one bucket
 * (segment buckets are never coarser than the buckets asked of the core), no
 * part of it is spread across a boundary by time. The last reading carries
 * `sampledReadings` so completeness counts are unchanged. Everything else goes
 * back to raw readings:
 *  - a bucket with a decrease, a rate above the plausibility bound (the rating,
 *    else the learned bound or the carrier ceiling: the same bound the core
 *    applies, see plausibility.ts) or a replacement inside
 *    is given in full (its neighbours' first/last are the readings each side);
 *  - after such a bucket, the next SPILL_READINGS readings are given one by one,
 *    because a dip's recovery is looked for that many readings ahead
 *    (MAX_TRANSIENT_READINGS) and must see the same readings as the raw walk.
 * Interval meters (each reading is an amount, not a register) are always raw.
 * A property test (register-segments.property.test.ts) holds the equality.
 */

/** A store's register segment for one meter and bucket (structurally the store's RegisterSegment). */
export interface SegmentSummary {
  readonly bucketStartMs: number;
  readonly firstTsMs: number;
  readonly firstValue: number;
  readonly lastTsMs: number;
  readonly lastValue: number;
  readonly readings: number;
  readonly decreases: number;
  /** In register units per hour (before the multiplier); null when no reading of the bucket had a previous one in the range. */
  readonly maxRatePerHour: number | null;
}

/** Readings after an anomalous bucket that are needed one by one (a dip's recovery look-ahead, plus one). */
export const SPILL_READINGS = MAX_TRANSIENT_READINGS + 1;

/**
 * Rates are compared with a relative margin so that a store's floating-point
 * rate a hair under the rating, which the core might compute a hair over, still
 * goes to raw: sending a bucket to raw is always safe, reducing it wrongly is not.
 */
const RATE_MARGIN = 1e-9;

/**
 * Indexes of the segments that must be read raw. `before` is the last reading
 * before the range, if any: a drop onto the first reading of the range is a
 * decrease the store could not see (its `lag` starts inside the range), and a
 * rise onto it is a rate the store could not see (a spike at the range's start).
 */
export function segmentsNeedingRaw(
  meter: MeterSpec,
  segments: readonly SegmentSummary[],
  before?: RegisterReading,
): number[] {
  if (meter.register === 'interval') return segments.map((_, index) => index);
  const flagged: number[] = [];
  const bound = plausibleMaxPerHour(meter);
  const above = (ratePerHour: number | null) =>
    bound !== undefined && ratePerHour !== null && ratePerHour * meter.multiplier > bound * (1 - RATE_MARGIN);
  segments.forEach((segment, index) => {
    const tooFast = above(segment.maxRatePerHour);
    const replaced = meter.replacements.some((r) => r.atMs > segment.firstTsMs - 1 && r.atMs <= segment.lastTsMs);
    const atStart = index === 0 && before !== undefined;
    const dropAtStart = atStart && segment.firstValue < before.value;
    const fastAtStart =
      atStart &&
      segment.firstTsMs > before.tsMs &&
      above(rate(before, { tsMs: segment.firstTsMs, value: segment.firstValue }));
    if (segment.decreases > 0 || tooFast || replaced || dropAtStart || fastAtStart) flagged.push(index);
  });
  return flagged;
}

/**
 * The readings to give `computeConsumption`, in time order, without the edge
 * readings (the caller adds the one before and the one after the range).
 * `known` are raw readings already fetched: every reading of each segment in
 * `rawSegments`, and the first SPILL_READINGS readings after each of them.
 * For the other segments, known readings form a prefix of the segment; the
 * segment contributes its first reading, that prefix, and its last reading
 * standing for the rest.
 */
export function assembleReadings(
  segments: readonly SegmentSummary[],
  known: readonly RegisterReading[],
  rawSegments: ReadonlySet<number>,
): RegisterReading[] {
  // By (tsMs, value): two values stored for one instant (a conflict) both reach the engine, which resolves it.
  const sorted = [...known].sort((a, b) => a.tsMs - b.tsMs || a.value - b.value);
  const out: RegisterReading[] = [];
  let cursor = 0;
  segments.forEach((segment, index) => {
    while (cursor < sorted.length && (sorted[cursor] as RegisterReading).tsMs < segment.firstTsMs) cursor++;
    const inside: RegisterReading[] = [];
    while (cursor < sorted.length && (sorted[cursor] as RegisterReading).tsMs <= segment.lastTsMs) {
      const r = sorted[cursor] as RegisterReading;
      const prev = inside.at(-1);
      if (prev?.tsMs !== r.tsMs || prev.value !== r.value) inside.push({ tsMs: r.tsMs, value: r.value });
      cursor++;
    }
    if (rawSegments.has(index) || inside.length >= segment.readings) {
      out.push(...inside);
      return;
    }
    if (inside[0]?.tsMs !== segment.firstTsMs) inside.unshift({ tsMs: segment.firstTsMs, value: segment.firstValue });
    out.push(...inside);
    if (inside.at(-1)?.tsMs !== segment.lastTsMs) {
      out.push({ tsMs: segment.lastTsMs, value: segment.lastValue, sampledReadings: segment.readings - inside.length });
    }
  });
  return out;
}

/** The highest rate between consecutive readings, in register units per hour (for the in-memory reduction below). */
function rate(prev: RegisterReading, next: RegisterReading): number {
  return (next.value - prev.value) / ((next.tsMs - prev.tsMs) / HOUR_MS);
}

/**
 * The reduction the stores perform in SQL, over readings already de-duplicated
 * and sorted (one per timestamp), with the bucket of each reading given by
 * `bucketOf`. Used by tests and benchmarks as the reference for the stores.
 */
export function reduceToSegments(
  series: readonly RegisterReading[],
  bucketOf: (tsMs: number) => number,
): SegmentSummary[] {
  const segments: SegmentSummary[] = [];
  let current: { -readonly [K in keyof SegmentSummary]: SegmentSummary[K] } | undefined;
  series.forEach((r, index) => {
    const prev = index > 0 ? series[index - 1] : undefined;
    const bucketStartMs = bucketOf(r.tsMs);
    if (current === undefined || current.bucketStartMs !== bucketStartMs) {
      current = {
        bucketStartMs,
        firstTsMs: r.tsMs,
        firstValue: r.value,
        lastTsMs: r.tsMs,
        lastValue: r.value,
        readings: 0,
        decreases: 0,
        maxRatePerHour: null,
      };
      segments.push(current);
    }
    current.lastTsMs = r.tsMs;
    current.lastValue = r.value;
    current.readings++;
    if (prev !== undefined) {
      if (r.value < prev.value) current.decreases++;
      const implied = rate(prev, r);
      current.maxRatePerHour = current.maxRatePerHour === null ? implied : Math.max(current.maxRatePerHour, implied);
    }
  });
  return segments;
}
