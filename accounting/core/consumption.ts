import { HOUR_MS, MINUTE_MS } from '../../src/kernel/index.js';
import { boundSource, plausibleMaxPerHour } from './plausibility.js';
import { impliedRegisterResolution, registerModulus } from './register-range.js';

/**
 * Consumption from meter registers, as a pure function of one meter's readings
 * over a range (docs/methodology.md explains every rule with an example).
 *
 * The cumulative register is the truth: the energy between two readings is
 * their register difference, whatever messages were lost, duplicated or
 * reordered in between. The function therefore
 *  1. orders readings by device timestamp and collapses duplicates;
 *  2. walks consecutive readings and classifies each interval by explicit rules
 *     (plain delta, rollover, recorded replacement, transient dip or spike,
 *     implausible jump, unexplained drop);
 *  3. spreads each interval's energy over the calendar buckets it overlaps, in
 *     proportion to time.
 * Nothing is booked that a rule cannot explain: such an interval is quarantined
 * for review with its signed amount, so that booked + quarantined always equals
 * the register difference (conservation). Because the result depends only on
 * the set of readings, late data is handled by re-running it (see
 * `affectedBuckets`).
 *
 * Amounts are register units × multiplier, i.e. the meter's configured unit
 * (kWh, m3 …); the caller knows the unit.
 */

/** A recorded meter exchange: the old register's final and the new register's first value. */
export interface MeterReplacement {
  readonly atMs: number;
  readonly oldFinal: number;
  readonly newInitial: number;
}

/** What the consumption rules need to know about a meter (a subset of the fleet registry entry). */
export interface MeterSpec {
  readonly id: string;
  /** cumulative: a running total; interval: each reading is the consumption of the interval ending at its timestamp. */
  readonly register: 'cumulative' | 'interval';
  /** CT/PT ratio: register units × multiplier = the meter's unit. */
  readonly multiplier: number;
  /** The largest value the register shows; the step after it is 0 (see register-range.ts). */
  readonly registerMax?: number;
  /** The register's step (0.01 for two decimals); default: the decimals registerMax is written with. */
  readonly registerResolution?: number;
  /** The highest plausible rate, in the meter's unit per hour, after the multiplier (a physical rating). */
  readonly ratedMaxPerHour?: number;
  /** Without a rating: a bound learned from the meter's recent history (plausibility.ts), same unit. */
  readonly learnedMaxPerHour?: number;
  /** Without a rating: the carrier's default ceiling in the meter's unit per hour (plausibility.ts). */
  readonly ceilingPerHour?: number;
  readonly expectedIntervalMinutes: number;
  readonly replacements: readonly MeterReplacement[];
}

/** One register reading: device timestamp (UTC ms) and the register as reported, before the multiplier. */
export interface RegisterReading {
  readonly tsMs: number;
  readonly value: number;
  readonly receivedAtMs?: number;
  /**
   * How many readings the interval ending at this reading actually covers
   * (default 1). The store reduces a dense, well-behaved stretch of readings to
   * its first and last (see register-segments.ts); the last then stands for the
   * readings in between, so that completeness counts them and gap detection
   * measures the average spacing instead of reading first → last as one gap.
   */
  readonly sampledReadings?: number;
}

/**
 * A dip contradicted by the readings after it (a restart's zero, a counter
 * briefly regressed) is ignored if the register is back at or above its
 * previous level within this many readings. Longer drops are not transient:
 * they are quarantined for review.
 */
export const MAX_TRANSIENT_READINGS = 3;

/**
 * An interval longer than this many expected intervals is a gap: its energy is
 * known (registers on both sides) but its distribution in time is not, so its
 * bucket shares are marked estimated. 1.5 tolerates clock jitter and still flags
 * a single missed reading.
 */
export const GAP_TOLERANCE = 1.5;

export type ReviewReason =
  | 'implausible_jump'
  | 'unexplained_drop'
  | 'replacement_mismatch'
  | 'replacement_unmatched_reading'
  | 'negative_interval_value'
  | 'conflicting_duplicate';

/** How an interval's amount was derived. */
export type IntervalRule = 'register_delta' | 'rollover' | 'replacement' | 'interval_value';

/** One interval between two accepted readings (or one interval meter reading). */
export interface MeterInterval {
  readonly fromMs: number;
  readonly toMs: number;
  /** Raw register values at both ends (interval meters: fromValue is 0). */
  readonly fromValue: number;
  readonly toValue: number;
  /** Register difference × multiplier, signed; booked only when status is 'booked'. */
  readonly amount: number;
  readonly rule: IntervalRule;
  readonly status: 'booked' | 'quarantined';
  /** Booked, but longer than the gap threshold: its split over buckets is estimated. */
  readonly estimated: boolean;
  readonly review?: { readonly reason: ReviewReason; readonly detail: string };
}

/**
 * A quarantined interval, for the review queue and the alert that follows; or a
 * single held reading (a reading at a replacement's instant that fits neither
 * register): then fromMs = toMs, the values are the reading's, the amount is 0
 * and there is no intervalIndex.
 */
export interface ConsumptionReview {
  readonly meterId: string;
  readonly reason: ReviewReason;
  readonly detail: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly fromValue: number;
  readonly toValue: number;
  /** The signed amount the registers say, not booked. */
  readonly amount: number;
  readonly intervalIndex?: number;
}

/**
 * A reading the readings after it contradict, left out of the walk: not booked
 * and not held, the interval across it books the register difference across it.
 */
export interface IgnoredReading {
  readonly tsMs: number;
  readonly value: number;
  readonly reason: 'transient_dip' | 'transient_spike';
}

/** A reading held for review (see `heldReadings`): the readings API flags it. */
export interface HeldReading {
  readonly meterId: string;
  readonly tsMs: number;
  readonly value: number;
  readonly reason: ReviewReason;
}

/** Several different values for one timestamp: one was chosen (see `chooseAmongDuplicates`), the choice is reported. */
export interface DuplicateConflict {
  readonly tsMs: number;
  readonly values: readonly number[];
  readonly chosenValue: number;
}

export type BucketQuality = 'measured' | 'estimated' | 'partial' | 'no_data' | 'quarantined';

export interface ConsumptionBucket {
  readonly startMs: number;
  readonly endMs: number;
  /** Booked consumption in the meter's unit (× multiplier). */
  readonly consumption: number;
  /** The part of `consumption` that comes from splitting a gap across bucket boundaries by time. */
  readonly estimatedAmount: number;
  /** estimatedAmount / consumption, 0 when nothing is booked. */
  readonly estimatedShare: number;
  readonly estimated: boolean;
  /** The share, in proportion to time, of quarantined intervals overlapping the bucket (not booked). */
  readonly quarantinedAmount: number;
  /** Time covered by booked and by quarantined intervals. */
  readonly bookedMs: number;
  readonly quarantinedMs: number;
  /** Readings received with a timestamp in (start, end], against the meter's expected count. */
  readonly receivedReadings: number;
  readonly expectedReadings: number;
  /** Headline, by precedence: quarantined > no_data > partial > estimated > measured. */
  readonly quality: BucketQuality;
  /** Indexes into `reviews` of the quarantined intervals overlapping this bucket. */
  readonly reviewIndexes: readonly number[];
}

export interface ConsumptionResult {
  readonly meterId: string;
  readonly buckets: readonly ConsumptionBucket[];
  readonly intervals: readonly MeterInterval[];
  readonly reviews: readonly ConsumptionReview[];
  readonly ignoredReadings: readonly IgnoredReading[];
  readonly conflicts: readonly DuplicateConflict[];
  /** Exact copies (same timestamp, same value as another reading) dropped: a replayed message is harmless. */
  readonly duplicatesIgnored: number;
  /** Sums over the buckets (only the parts of intervals inside the boundaries). */
  readonly totals: { readonly booked: number; readonly quarantined: number; readonly estimated: number };
}

// ---------------------------------------------------------------------------
// 1. Order and de-duplicate

/**
 * Among different values for one timestamp: the highest value wins
 * (docs/methodology.md §2). The rule depends only on the set of values, not on
 * arrival times: the stores keep every value of an instant, but an exact replay
 * refreshes its row's arrival time, so "latest received" would change with a
 * restart's replay and differ between stores. Any input order gives the same pick.
 */
export function chooseAmongDuplicates(readings: readonly RegisterReading[]): RegisterReading {
  return readings.reduce((best, r) => (r.value > best.value ? r : best));
}

export interface NormalizedReadings {
  readonly series: readonly RegisterReading[];
  readonly conflicts: readonly DuplicateConflict[];
  readonly duplicatesIgnored: number;
}

/** Sorts by device timestamp (never arrival) and keeps one reading per timestamp. */
export function normalizeReadings(readings: readonly RegisterReading[]): NormalizedReadings {
  const byTs = new Map<number, RegisterReading[]>();
  for (const r of readings) {
    const group = byTs.get(r.tsMs);
    if (group) group.push(r);
    else byTs.set(r.tsMs, [r]);
  }
  const series: RegisterReading[] = [];
  const conflicts: DuplicateConflict[] = [];
  let duplicatesIgnored = 0;
  for (const tsMs of [...byTs.keys()].sort((a, b) => a - b)) {
    const group = byTs.get(tsMs) ?? [];
    const values = [...new Set(group.map((r) => r.value))].sort((a, b) => a - b);
    const chosen = chooseAmongDuplicates(group);
    series.push(
      chosen.sampledReadings === undefined
        ? { tsMs, value: chosen.value }
        : { tsMs, value: chosen.value, sampledReadings: chosen.sampledReadings },
    );
    if (values.length > 1) conflicts.push({ tsMs, values, chosenValue: chosen.value });
    duplicatesIgnored += group.length - values.length;
  }
  return { series, conflicts, duplicatesIgnored };
}

// ---------------------------------------------------------------------------
// 2. Classify intervals

function expectedIntervalMs(meter: MeterSpec): number {
  return meter.expectedIntervalMinutes * MINUTE_MS;
}

function ratePerHour(amount: number, fromMs: number, toMs: number): number {
  return amount / ((toMs - fromMs) / HOUR_MS);
}

/** Above the meter's plausibility bound: its rating, else the learned bound or the carrier ceiling (plausibility.ts). */
function exceedsBound(meter: MeterSpec, amount: number, fromMs: number, toMs: number): boolean {
  const bound = plausibleMaxPerHour(meter);
  return bound !== undefined && ratePerHour(amount, fromMs, toMs) > bound;
}

/** `sampled`: readings the interval stands for (see RegisterReading.sampledReadings); their average spacing is what counts. */
function isGap(meter: MeterSpec, fromMs: number, toMs: number, sampled = 1): boolean {
  return toMs - fromMs > expectedIntervalMs(meter) * GAP_TOLERANCE * sampled;
}

/** The register's step: configured, implied by registerMax, or unknown (0: values must match exactly). */
function resolutionOf(meter: MeterSpec): number {
  return (
    meter.registerResolution ?? (meter.registerMax === undefined ? 0 : impliedRegisterResolution(meter.registerMax))
  );
}

type Side = 'old' | 'new' | 'neither';

/**
 * Which register of a replacement a reading belongs to. By time, except at the
 * event's instant itself: a replacement is naturally recorded at the old meter's
 * final reading, so a reading stamped at the instant is assigned by its value
 * (old final or new initial, within half a register step); one that fits
 * neither is held for review.
 */
function sideOf(meter: MeterSpec, replacement: MeterReplacement, reading: RegisterReading): Side {
  if (reading.tsMs < replacement.atMs) return 'old';
  if (reading.tsMs > replacement.atMs) return 'new';
  const tolerance = Math.max(resolutionOf(meter) / 2, 1e-9 * Math.max(1, Math.abs(reading.value)));
  if (Math.abs(reading.value - replacement.oldFinal) <= tolerance) return 'old';
  if (Math.abs(reading.value - replacement.newInitial) <= tolerance) return 'new';
  return 'neither';
}

/** Replacements between two readings: `prev` on the old register, `next` on the new one. */
function replacementsBetween(meter: MeterSpec, prev: RegisterReading, next: RegisterReading): MeterReplacement[] {
  return meter.replacements
    .filter((r) => sideOf(meter, r, prev) === 'old' && sideOf(meter, r, next) === 'new')
    .sort((a, b) => a.atMs - b.atMs);
}

function booked(
  meter: MeterSpec,
  prev: RegisterReading,
  next: RegisterReading,
  amount: number,
  rule: IntervalRule,
): MeterInterval {
  const base = { fromMs: prev.tsMs, toMs: next.tsMs, fromValue: prev.value, toValue: next.value, amount, rule };
  if (exceedsBound(meter, amount, prev.tsMs, next.tsMs)) {
    const rate = ratePerHour(amount, prev.tsMs, next.tsMs);
    const bound = `the ${boundSource(meter) ?? 'rating'} ${plausibleMaxPerHour(meter)} per hour`;
    const detail = `implied rate ${rate} per hour exceeds ${bound}`;
    return { ...base, status: 'quarantined', estimated: false, review: { reason: 'implausible_jump', detail } };
  }
  return { ...base, status: 'booked', estimated: isGap(meter, prev.tsMs, next.tsMs, next.sampledReadings) };
}

function quarantined(
  prev: RegisterReading,
  next: RegisterReading,
  amount: number,
  rule: IntervalRule,
  reason: ReviewReason,
  detail: string,
): MeterInterval {
  return {
    fromMs: prev.tsMs,
    toMs: next.tsMs,
    fromValue: prev.value,
    toValue: next.value,
    amount,
    rule,
    status: 'quarantined',
    estimated: false,
    review: { reason, detail },
  };
}

/**
 * Across recorded replacements: (oldFinal − prev) + Σ(oldFinal − newInitial of
 * the meters in between) + (next − newInitial). A negative part means the record
 * contradicts the readings: quarantined, not guessed.
 */
function replacementInterval(
  meter: MeterSpec,
  prev: RegisterReading,
  next: RegisterReading,
  crossed: readonly MeterReplacement[],
): MeterInterval {
  const parts: number[] = [];
  let from = prev.value;
  for (const r of crossed) {
    parts.push(r.oldFinal - from);
    from = r.newInitial;
  }
  parts.push(next.value - from);
  const amount = parts.reduce((a, b) => a + b, 0) * meter.multiplier;
  if (parts.some((p) => p < 0)) {
    const detail = `register parts ${parts.join(', ')} across the recorded replacement(s) are not all non-negative`;
    return quarantined(prev, next, amount, 'replacement', 'replacement_mismatch', detail);
  }
  return booked(meter, prev, next, amount, 'replacement');
}

/**
 * A drop not contradicted by later readings: a rollover if the register has a
 * maximum and the wrapped difference is plausible (under the rating when known,
 * otherwise less than half the register range: a wrap happens near the top, a
 * regression is small); anything else is an unexplained drop. The register
 * counts modulo registerMax + one step (register-range.ts): 99 999.99 → 0.00 is
 * 0.01, not 0. A booked wrap is still subject to the learned bound and ceiling.
 */
function dropInterval(meter: MeterSpec, prev: RegisterReading, next: RegisterReading): MeterInterval {
  const max = meter.registerMax;
  if (max !== undefined) {
    const modulus = registerModulus(max, meter.registerResolution);
    if (prev.value < modulus && next.value < modulus) {
      const wrapped = modulus - prev.value + next.value;
      const rated = meter.ratedMaxPerHour;
      const plausible =
        rated === undefined
          ? wrapped < modulus / 2
          : ratePerHour(wrapped * meter.multiplier, prev.tsMs, next.tsMs) <= rated;
      if (plausible) return booked(meter, prev, next, wrapped * meter.multiplier, 'rollover');
    }
  }
  const detail = `register fell from ${prev.value} to ${next.value} with no recorded replacement${max === undefined ? '' : ' and no plausible rollover'}`;
  return quarantined(
    prev,
    next,
    (next.value - prev.value) * meter.multiplier,
    'register_delta',
    'unexplained_drop',
    detail,
  );
}

/**
 * After a drop at `series[i]`, the index of the first later reading back at or
 * above `prev` within MAX_TRANSIENT_READINGS (and before any replacement), if any.
 * The look-ahead stops at the recovery, so that a split of the range at an
 * accepted reading gives the same intervals (additivity). A spike within those
 * readings is then taken for the recovery: both intervals around it are held,
 * never booked (docs/methodology.md §5, limits).
 */
function findRecovery(
  meter: MeterSpec,
  series: readonly RegisterReading[],
  i: number,
  prev: RegisterReading,
): number | undefined {
  for (let j = i + 1; j < series.length && j <= i + MAX_TRANSIENT_READINGS; j++) {
    const candidate = series[j] as RegisterReading;
    if (replacementsBetween(meter, prev, candidate).length > 0) return undefined;
    if (candidate.value >= prev.value) return j;
  }
  return undefined;
}

/**
 * Readings from `series[i]` on that the readings after them contradict, and
 * where the walk resumes (docs/methodology.md §5). Two mirror shapes:
 *  - a dip: a drop below `prev` that the register recovers from (back at or
 *    above `prev`) within MAX_TRANSIENT_READINGS readings: a restart's zero, a
 *    counter briefly regressed;
 *  - a spike: a single reading far above the trend (the rise into it exceeds the
 *    plausibility bound) that the next reading contradicts, lying between `prev`
 *    and the spike: a corrupted frame, a glitch of the register's display.
 * Either way the readings are ignored and the interval across them books the
 * register difference across them.
 */
function findTransient(
  meter: MeterSpec,
  series: readonly RegisterReading[],
  i: number,
  prev: RegisterReading,
): { resumeAt: number; reason: IgnoredReading['reason'] } | undefined {
  const next = series[i] as RegisterReading;
  if (next.value < prev.value) {
    const recovery = findRecovery(meter, series, i, prev);
    return recovery === undefined ? undefined : { resumeAt: recovery, reason: 'transient_dip' };
  }
  const after = series[i + 1];
  if (after === undefined || next.value === prev.value || replacementsBetween(meter, prev, after).length > 0)
    return undefined;
  const contradicted = after.value >= prev.value && after.value < next.value;
  const farAboveTrend = exceedsBound(meter, (next.value - prev.value) * meter.multiplier, prev.tsMs, next.tsMs);
  return contradicted && farAboveTrend ? { resumeAt: i + 1, reason: 'transient_spike' } : undefined;
}

interface Walk {
  readonly intervals: MeterInterval[];
  readonly ignored: IgnoredReading[];
  /** Readings held for review without an interval of their own (a replacement's instant, fitting neither register). */
  readonly held: { readonly reading: RegisterReading; readonly reason: ReviewReason; readonly detail: string }[];
}

function walkCumulative(meter: MeterSpec, all: readonly RegisterReading[]): Walk {
  const walk: Walk = { intervals: [], ignored: [], held: [] };
  const series = all.filter((reading) => {
    const unmatched = meter.replacements.find((r) => sideOf(meter, r, reading) === 'neither');
    if (unmatched === undefined) return true;
    const detail = `reading ${reading.value} at the replacement's instant fits neither the old final ${unmatched.oldFinal} nor the new initial ${unmatched.newInitial}`;
    walk.held.push({ reading, reason: 'replacement_unmatched_reading', detail });
    return false;
  });
  let prev = series[0];
  let i = 1;
  while (prev !== undefined && i < series.length) {
    const next = series[i] as RegisterReading;
    const crossed = replacementsBetween(meter, prev, next);
    const transient = crossed.length > 0 ? undefined : findTransient(meter, series, i, prev);
    if (transient !== undefined) {
      for (const r of series.slice(i, transient.resumeAt))
        walk.ignored.push({ tsMs: r.tsMs, value: r.value, reason: transient.reason });
      i = transient.resumeAt;
      continue;
    }
    if (crossed.length > 0) {
      walk.intervals.push(replacementInterval(meter, prev, next, crossed));
    } else if (next.value >= prev.value) {
      walk.intervals.push(booked(meter, prev, next, (next.value - prev.value) * meter.multiplier, 'register_delta'));
    } else {
      walk.intervals.push(dropInterval(meter, prev, next));
    }
    prev = next;
    i++;
  }
  return walk;
}

/** Interval meters: each reading is the energy of (ts − expected interval, ts]; they are summed, not differenced. */
function walkInterval(meter: MeterSpec, series: readonly RegisterReading[]): Walk {
  const intervals = series.map((r): MeterInterval => {
    const prev = { tsMs: r.tsMs - expectedIntervalMs(meter), value: 0 };
    const amount = r.value * meter.multiplier;
    if (r.value < 0)
      return quarantined(
        prev,
        r,
        amount,
        'interval_value',
        'negative_interval_value',
        `interval value ${r.value} is negative`,
      );
    return { ...booked(meter, prev, r, amount, 'interval_value'), estimated: false };
  });
  return { intervals, ignored: [], held: [] };
}

// ---------------------------------------------------------------------------
// 3. Spread over buckets

interface BucketAccumulator {
  consumption: number;
  estimatedAmount: number;
  estimated: boolean;
  quarantinedAmount: number;
  bookedMs: number;
  quarantinedMs: number;
  receivedReadings: number;
  reviewIndexes: number[];
}

/** Index of the last boundary ≤ tsMs (−1 when before the first). */
function boundaryIndexAtOrBefore(boundaries: readonly number[], tsMs: number): number {
  let lo = 0;
  let hi = boundaries.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((boundaries[mid] as number) <= tsMs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The amount of an interval accrued by `tsMs`, linear in time. The end points
 * are exact, so the shares of an interval inside the range add up to its amount.
 */
function accruedBy(interval: MeterInterval, tsMs: number): number {
  if (tsMs <= interval.fromMs) return 0;
  if (tsMs >= interval.toMs) return interval.amount;
  return (interval.amount * (tsMs - interval.fromMs)) / (interval.toMs - interval.fromMs);
}

function spreadInterval(
  interval: MeterInterval,
  reviewIndex: number | undefined,
  boundaries: readonly number[],
  acc: BucketAccumulator[],
): void {
  const first = Math.max(0, boundaryIndexAtOrBefore(boundaries, interval.fromMs));
  for (let k = first; k < acc.length; k++) {
    const start = boundaries[k] as number;
    const end = boundaries[k + 1] as number;
    if (start >= interval.toMs) break;
    const lo = Math.max(start, interval.fromMs);
    const hi = Math.min(end, interval.toMs);
    if (hi <= lo) continue;
    const share = accruedBy(interval, hi) - accruedBy(interval, lo);
    const bucket = acc[k] as BucketAccumulator;
    if (interval.status === 'booked') {
      bucket.consumption += share;
      bucket.bookedMs += hi - lo;
      // A gap wholly inside one bucket gives that bucket an exact total: only a split is estimated.
      const split = interval.fromMs < start || interval.toMs > end;
      if (interval.estimated && split) {
        bucket.estimatedAmount += share;
        bucket.estimated = true;
      }
    } else {
      bucket.quarantinedAmount += share;
      bucket.quarantinedMs += hi - lo;
      if (reviewIndex !== undefined) bucket.reviewIndexes.push(reviewIndex);
    }
  }
}

function qualityOf(bucket: BucketAccumulator, lengthMs: number): BucketQuality {
  // A held reading (no interval of its own) makes its bucket await review too.
  if (bucket.quarantinedMs > 0 || bucket.reviewIndexes.length > 0) return 'quarantined';
  if (bucket.bookedMs === 0) return 'no_data';
  if (bucket.bookedMs < lengthMs) return 'partial';
  return bucket.estimated ? 'estimated' : 'measured';
}

function countReadings(
  series: readonly RegisterReading[],
  boundaries: readonly number[],
  acc: BucketAccumulator[],
): void {
  for (const r of series) {
    // A reading stamped exactly on a boundary closes the bucket before it: (start, end].
    const k = boundaryIndexAtOrBefore(boundaries, r.tsMs - 1);
    const bucket = acc[k];
    if (bucket) bucket.receivedReadings += r.sampledReadings ?? 1;
  }
}

function toBucket(meter: MeterSpec, bucket: BucketAccumulator, startMs: number, endMs: number): ConsumptionBucket {
  const {
    consumption,
    estimatedAmount,
    estimated,
    quarantinedAmount,
    bookedMs,
    quarantinedMs,
    receivedReadings,
    reviewIndexes,
  } = bucket;
  return {
    startMs,
    endMs,
    consumption,
    estimatedAmount,
    estimatedShare: consumption > 0 ? estimatedAmount / consumption : 0,
    estimated,
    quarantinedAmount,
    bookedMs,
    quarantinedMs,
    receivedReadings,
    expectedReadings: (endMs - startMs) / expectedIntervalMs(meter),
    quality: qualityOf(bucket, endMs - startMs),
    reviewIndexes,
  };
}

/**
 * Interval reviews first (in interval order), then held readings (in time order),
 * then conflicts (in time order): a conflict is booked with its chosen value, and
 * listed so that a rewrite of history is never silent (docs/methodology.md §2).
 */
function toReviews(meter: MeterSpec, walk: Walk, conflicts: readonly DuplicateConflict[]): ConsumptionReview[] {
  const reviews: ConsumptionReview[] = [];
  walk.intervals.forEach((interval, intervalIndex) => {
    if (!interval.review) return;
    const { fromMs, toMs, fromValue, toValue, amount } = interval;
    reviews.push({ meterId: meter.id, ...interval.review, fromMs, toMs, fromValue, toValue, amount, intervalIndex });
  });
  for (const { reading, reason, detail } of walk.held) {
    const { tsMs, value } = reading;
    reviews.push({
      meterId: meter.id,
      reason,
      detail,
      fromMs: tsMs,
      toMs: tsMs,
      fromValue: value,
      toValue: value,
      amount: 0,
    });
  }
  for (const { tsMs, values, chosenValue } of conflicts) {
    const detail = `values ${values.join(', ')} stored for one timestamp; ${chosenValue} used`;
    const at = { fromMs: tsMs, toMs: tsMs, fromValue: chosenValue, toValue: chosenValue, amount: 0 };
    reviews.push({ meterId: meter.id, reason: 'conflicting_duplicate', detail, ...at });
  }
  return reviews;
}

/**
 * The readings held for review, for the readings API to flag: the reading that
 * closes each quarantined interval (the one the rules could not explain: the top
 * of an implausible jump, the foot of an unexplained drop, the first reading
 * after a contradicted replacement record, a negative interval value) and each
 * held reading without an interval. The amounts are in the report's held figure;
 * the reading is what an operator looks at.
 */
export function heldReadings(result: Pick<ConsumptionResult, 'meterId' | 'reviews'>): HeldReading[] {
  return result.reviews.map((r) => ({ meterId: result.meterId, tsMs: r.toMs, value: r.toValue, reason: r.reason }));
}

/**
 * Consumption of one meter per bucket [boundaries[i], boundaries[i+1]).
 * `readings` may be in any order and hold duplicates; pass every reading of the
 * range plus the last one before it and the first one after it, so that the
 * intervals at the edges are known (their in-range share is booked).
 */
export function computeConsumption(
  meter: MeterSpec,
  readings: readonly RegisterReading[],
  boundaries: readonly number[],
): ConsumptionResult {
  const { series, conflicts, duplicatesIgnored } = normalizeReadings(readings);
  const walk = meter.register === 'cumulative' ? walkCumulative(meter, series) : walkInterval(meter, series);
  const reviews = toReviews(meter, walk, conflicts);
  const acc: BucketAccumulator[] = boundaries.slice(1).map(() => ({
    consumption: 0,
    estimatedAmount: 0,
    estimated: false,
    quarantinedAmount: 0,
    bookedMs: 0,
    quarantinedMs: 0,
    receivedReadings: 0,
    reviewIndexes: [],
  }));
  const reviewIndexOf = new Map(
    reviews.flatMap((r, index) => (r.intervalIndex === undefined ? [] : [[r.intervalIndex, index] as const])),
  );
  walk.intervals.forEach((interval, index) => spreadInterval(interval, reviewIndexOf.get(index), boundaries, acc));
  reviews.forEach((review, index) => {
    if (review.intervalIndex !== undefined) return;
    // (start, end], as for reading counts: a reading on a boundary closes the bucket before it.
    acc[boundaryIndexAtOrBefore(boundaries, review.toMs - 1)]?.reviewIndexes.push(index);
  });
  countReadings(series, boundaries, acc);
  const buckets = acc.map((bucket, k) => toBucket(meter, bucket, boundaries[k] as number, boundaries[k + 1] as number));
  const sum = (pick: (b: ConsumptionBucket) => number) => buckets.reduce((total, b) => total + pick(b), 0);
  return {
    meterId: meter.id,
    buckets,
    intervals: walk.intervals,
    reviews,
    ignoredReadings: walk.ignored,
    conflicts,
    duplicatesIgnored,
    totals: {
      booked: sum((b) => b.consumption),
      quarantined: sum((b) => b.quarantinedAmount),
      estimated: sum((b) => b.estimatedAmount),
    },
  };
}

// ---------------------------------------------------------------------------
// 4. Late data

/**
 * The window of readings whose intervals a late batch can change: from
 * 2·MAX_TRANSIENT_READINGS + 1 readings before each late reading's position (a
 * dip resolved by the late reading, and the reading before that dip) to as many
 * after it (a dip the late reading starts, which may hold a transient spike
 * between each two of its readings, and the reading that closes it). Only the
 * buckets touching this closed window can change (a property test holds this);
 * a use case re-reads the window from the store, with the readings just outside
 * it, and recomputes those buckets.
 */
export function recomputeWindow(
  existing: readonly RegisterReading[],
  late: readonly RegisterReading[],
): { fromMs: number; toMs: number } | undefined {
  if (late.length === 0) return undefined;
  const merged = normalizeReadings([...existing, ...late]).series;
  const lateTs = new Set(late.map((r) => r.tsMs));
  let fromMs = Number.POSITIVE_INFINITY;
  let toMs = Number.NEGATIVE_INFINITY;
  merged.forEach((r, index) => {
    if (!lateTs.has(r.tsMs)) return;
    const before = merged[Math.max(0, index - (2 * MAX_TRANSIENT_READINGS + 1))] as RegisterReading;
    const after = merged[Math.min(merged.length - 1, index + 2 * MAX_TRANSIENT_READINGS + 1)] as RegisterReading;
    fromMs = Math.min(fromMs, before.tsMs);
    toMs = Math.max(toMs, after.tsMs);
  });
  return { fromMs, toMs };
}

function sameBucket(a: ConsumptionBucket, b: ConsumptionBucket): boolean {
  return (
    a.consumption === b.consumption &&
    a.estimatedAmount === b.estimatedAmount &&
    a.quarantinedAmount === b.quarantinedAmount &&
    a.bookedMs === b.bookedMs &&
    a.quarantinedMs === b.quarantinedMs &&
    a.receivedReadings === b.receivedReadings &&
    a.quality === b.quality
  );
}

export interface AffectedBuckets {
  /** Indexes of the buckets whose figures or quality change when the late readings are added. */
  readonly indexes: readonly number[];
  /** The readings to re-read for recomputation (see `recomputeWindow`). */
  readonly readingWindow: { readonly fromMs: number; readonly toMs: number } | undefined;
}

/**
 * Exactly which buckets change when `late` readings join `existing`: both sets
 * are computed and compared, so the answer is exact by construction (a late
 * duplicate changes nothing; a late reading inside a gap changes only the gap's
 * buckets; a late reading that contradicts a dip can change the buckets before it).
 */
export function affectedBuckets(
  meter: MeterSpec,
  existing: readonly RegisterReading[],
  late: readonly RegisterReading[],
  boundaries: readonly number[],
): AffectedBuckets {
  const before = computeConsumption(meter, existing, boundaries).buckets;
  const after = computeConsumption(meter, [...existing, ...late], boundaries).buckets;
  const indexes = after.flatMap((bucket, k) => (sameBucket(bucket, before[k] as ConsumptionBucket) ? [] : [k]));
  return { indexes, readingWindow: recomputeWindow(existing, late) };
}
