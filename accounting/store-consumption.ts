import { bucketStart, DAY_MS, type Reading } from '../src/kernel/index.js';
import {
  computeConsumption,
  learnedRateBound,
  type ConsumptionResult,
  type MeterSpec,
  type RegisterReading,
} from './core/index.js';
import { assembleReadings, segmentsNeedingRaw, SPILL_READINGS, type SegmentSummary } from './core/register-segments.js';
import type { AccountingStore, RawReadingQuery, RegisterSegment, SegmentBucket } from './ports.js';

/**
 * Consumption of many meters over a range, with the heavy lifting in the store
 * (docs/methodology.md §13): the store reduces readings to register segments per bucket;
 * only segments the reduction cannot represent faithfully (a decrease, a rate
 * above the rating, a replacement) are read raw, with the few readings after
 * them (core/register-segments.ts explains why that gives the raw result).
 *
 * Meters without a rating get a plausibility bound learned from their own
 * recent history (core/plausibility.ts): the daily peak rates of the
 * LEARN_WINDOW_DAYS local days before the range, one more segment query. The
 * bound is part of the meter's spec, so the reduced and the raw path apply the
 * same one, and it depends on the range's start only (not on the bucket size).
 *
 * Coarse segments (a month per meter for a report) keep the answer small; a
 * meter whose coarse segment is anomalous is asked again per day, so that only
 * the anomalous days are read raw.
 */

/** How far before and after a range to look for the readings that close its edge intervals. */
export const EDGE_WINDOW_MS = 31 * 86_400_000;

/** Raw reads of a store without `readingsBatch` run this many at a time (8 meters × inside and spill before). */
const RAW_CONCURRENCY = 16;

const RAW_LIMIT = 1_000_000;

/** How many local days before a range its meters' plausibility bounds are learned from. */
export const LEARN_WINDOW_DAYS = 28;

/**
 * The meters' specs with the learned bound of each cumulative meter without a
 * rating (one `registerSegments` query over the learning window). A day with a
 * decrease says nothing reliable about rates and is left out; too little
 * history leaves the carrier ceiling alone.
 */
export async function withLearnedBounds(
  store: AccountingStore,
  meters: readonly MeterSpec[],
  fromMs: number,
  timeZone: string,
): Promise<MeterSpec[]> {
  const unrated = meters.filter((m) => m.register === 'cumulative' && m.ratedMaxPerHour === undefined);
  if (unrated.length === 0) return [...meters];
  const toMs = bucketStart(fromMs, 'day', timeZone);
  const historyFromMs = bucketStart(toMs - LEARN_WINDOW_DAYS * DAY_MS, 'day', timeZone);
  const history = await store.registerSegments({
    meterIds: unrated.map((m) => m.id),
    fromMs: historyFromMs,
    toMs,
    bucket: 'day',
    timeZone,
  });
  const peaks = new Map<string, number[]>();
  for (const s of history) {
    if (s.decreases > 0 || s.maxRatePerHour === null) continue;
    const list = peaks.get(s.meterId);
    if (list) list.push(s.maxRatePerHour);
    else peaks.set(s.meterId, [s.maxRatePerHour]);
  }
  return meters.map((m) => {
    if (m.register !== 'cumulative' || m.ratedMaxPerHour !== undefined) return m;
    const learned = learnedRateBound((peaks.get(m.id) ?? []).map((rate) => rate * m.multiplier));
    return learned === undefined ? m : { ...m, learnedMaxPerHour: learned };
  });
}

export interface ConsumptionRequest {
  readonly meters: readonly MeterSpec[];
  /** [fromMs, toMs): whole buckets of `segmentBucket` in `timeZone`. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly timeZone: string;
  /** Buckets of the answer (boundaries as from core/calendar's bucketBoundaries); each a union of segment buckets. */
  readonly boundaries: readonly number[];
  readonly segmentBucket: SegmentBucket;
  /** A finer bucket to re-ask anomalous coarse segments in (e.g. day under month). */
  readonly refineBucket?: SegmentBucket;
  /**
   * The instant whose preceding LEARN_WINDOW_DAYS local days the learned rate bounds come from
   * (default `fromMs`): a range cut out of a longer one keeps the longer run's bounds, so the two agree.
   */
  readonly learnFromMs?: number;
  /**
   * In place of the edge after (the first reading at or after `toMs`), the readings stored in
   * [toMs, untilMs), at most `limit` rows: the look-ahead past the range that a run over a longer
   * range has (a dip's recovery, a spike's contradiction). When the limit is reached, the last instant's
   * values are left out (the limit may have cut them short). The buckets are still [fromMs, toMs).
   */
  readonly readingsAfter?: { readonly untilMs: number; readonly limit: number };
}

/** Rows up to a limit, without the last instant when the limit may have cut its values short (all or none of them). */
function wholeInstants(rows: readonly Reading[], after: { readonly limit: number }): readonly Reading[] {
  const last = rows.at(-1);
  return last === undefined || rows.length < after.limit ? rows : rows.filter((r) => r.tsMs !== last.tsMs);
}

export interface ConsumptionRun {
  readonly results: ReadonlyMap<string, ConsumptionResult>;
  /** What the store was asked, for benchmarks and logs. */
  readonly stats: { segments: number; refinedMeters: number; rawSegments: number; rawReadings: number };
}

export async function storeConsumption(store: AccountingStore, request: ConsumptionRequest): Promise<ConsumptionRun> {
  const { fromMs, toMs, timeZone } = request;
  const meterIds = request.meters.map((m) => m.id);
  const stats = { segments: 0, refinedMeters: 0, rawSegments: 0, rawReadings: 0 };
  const after = request.readingsAfter;
  const [coarse, edges, meters, ahead] = await Promise.all([
    store.registerSegments({ meterIds, fromMs, toMs, bucket: request.segmentBucket, timeZone }),
    store.edgeReadings({ meterIds, beforeMs: fromMs, afterMs: toMs, windowMs: EDGE_WINDOW_MS }),
    withLearnedBounds(store, request.meters, request.learnFromMs ?? fromMs, timeZone),
    after === undefined
      ? undefined
      : readMany(
          store,
          meterIds.map((meterId) => ({ meterId, fromMs: toMs, toMs: after.untilMs, limit: after.limit })),
        ),
  ]);
  const readingsAfter = new Map<string, readonly Reading[]>();
  if (ahead !== undefined && after !== undefined)
    ahead.forEach((rows, index) => readingsAfter.set(meterIds[index] as string, wholeInstants(rows, after)));
  stats.segments += coarse.length;
  const byMeter = groupByMeter(coarse);
  const specs = new Map(meters.map((m) => [m.id, m]));

  // Refine: meters with an anomalous coarse segment get their fine segments instead.
  // The fine query runs while the other meters are computed (they do not need it).
  let refined = new Set<string>();
  let fineDone: Promise<void> = Promise.resolve();
  if (request.refineBucket !== undefined && request.refineBucket !== request.segmentBucket) {
    const toRefine = meters
      .filter((m) => segmentsNeedingRaw(m, byMeter.get(m.id) ?? [], edges.before.get(m.id)).length > 0)
      .map((m) => m.id);
    stats.refinedMeters = toRefine.length;
    refined = new Set(toRefine);
    if (toRefine.length > 0) {
      fineDone = store
        .registerSegments({ meterIds: toRefine, fromMs, toMs, bucket: request.refineBucket, timeZone })
        .then((fine) => {
          stats.segments += fine.length;
          const fineByMeter = groupByMeter(fine);
          for (const id of toRefine) byMeter.set(id, fineByMeter.get(id) ?? []);
        });
    }
  }

  // Per group of meters: every raw read the group needs in one batch, then the consumption core per meter.
  const computed = new Map<string, ConsumptionResult>();
  const computeGroup = async (group: readonly MeterSpec[]) => {
    const plans = group.map((meter) => {
      const segments = byMeter.get(meter.id) ?? [];
      const raw = new Set(segmentsNeedingRaw(meter, segments, edges.before.get(meter.id)));
      return { meter, segments, raw };
    });
    const queries: RawReadingQuery[] = [];
    for (const { meter, segments, raw } of plans) {
      for (const index of raw) {
        const s = segments[index] as SegmentSummary;
        queries.push(
          { meterId: meter.id, fromMs: s.firstTsMs, toMs: s.lastTsMs + 1, limit: RAW_LIMIT },
          { meterId: meter.id, fromMs: s.lastTsMs + 1, toMs, limit: SPILL_READINGS },
        );
      }
    }
    const answers = await readMany(store, queries);
    let next = 0;
    for (const { meter, segments, raw } of plans) {
      const known: RegisterReading[] = [];
      for (let k = 0; k < raw.size; k++) {
        const inside = answers[next++] ?? [];
        const spill = answers[next++] ?? [];
        known.push(...inside, ...spill);
        stats.rawSegments++;
        stats.rawReadings += inside.length + spill.length;
      }
      const before = edges.before.get(meter.id);
      const edgeAfter = edges.after.get(meter.id);
      const past = ahead === undefined ? (edgeAfter ? [edgeAfter] : []) : (readingsAfter.get(meter.id) ?? []);
      const readings = [...(before ? [before] : []), ...assembleReadings(segments, known.map(plain), raw), ...past].map(
        plain,
      );
      computed.set(meter.id, computeConsumption(specs.get(meter.id) ?? meter, readings, request.boundaries));
    }
  };
  const settled = meters.filter((m) => !refined.has(m.id));
  await Promise.all([runGroups(settled, computeGroup), fineDone]);
  await runGroups(
    meters.filter((m) => refined.has(m.id)),
    computeGroup,
  );
  // In the meters' order, whatever order the jobs finished in.
  const results = new Map<string, ConsumptionResult>();
  for (const meter of meters) {
    const result = computed.get(meter.id);
    if (result !== undefined) results.set(meter.id, result);
  }
  return { results, stats };
}

function plain(r: RegisterReading): RegisterReading {
  return r.sampledReadings === undefined
    ? { tsMs: r.tsMs, value: r.value }
    : { tsMs: r.tsMs, value: r.value, sampledReadings: r.sampledReadings };
}

function groupByMeter(segments: readonly RegisterSegment[]): Map<string, RegisterSegment[]> {
  const byMeter = new Map<string, RegisterSegment[]>();
  for (const s of segments) {
    const list = byMeter.get(s.meterId);
    if (list) list.push(s);
    else byMeter.set(s.meterId, [s]);
  }
  for (const list of byMeter.values()) list.sort((a, b) => a.bucketStartMs - b.bucketStartMs);
  return byMeter;
}

/**
 * Meters per group: a group's raw reads go to the store as one batch and its readings are held until
 * its meters are computed, so the group bounds both the batch and the memory.
 */
const GROUP_METERS = 250;

/**
 * Groups one after the other, yielding to the event loop between them so that queries in flight (the
 * refinement) progress.
 */
async function runGroups(
  meters: readonly MeterSpec[],
  compute: (group: readonly MeterSpec[]) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < meters.length; i += GROUP_METERS) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    await compute(meters.slice(i, i + GROUP_METERS));
  }
}

/** The queries' answers in order: in one request where the store can, else RAW_CONCURRENCY at a time. */
async function readMany(
  store: AccountingStore,
  queries: readonly RawReadingQuery[],
): Promise<readonly (readonly Reading[])[]> {
  if (queries.length === 0) return [];
  if (store.readingsBatch !== undefined) return store.readingsBatch(queries);
  const answers: (readonly Reading[])[] = new Array<readonly Reading[]>(queries.length);
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const index = next++;
      answers[index] = await store.readings(queries[index] as RawReadingQuery);
    }
  };
  await Promise.all(Array.from({ length: Math.min(RAW_CONCURRENCY, queries.length) }, worker));
  return answers;
}
