import {
  EDGE_WINDOW_MS,
  LEARN_WINDOW_DAYS,
  MAX_TRANSIENT_READINGS,
  meterSpec,
  storeConsumption,
  type AccountingStore,
  type ConsumptionResult,
  type MeterConfig,
} from '../accounting/index.js';
import { bucketBoundaries, bucketStart, DAY_MS } from '../src/kernel/index.js';
import type { HourlyConsumption } from './core/baseline-profile.js';

/** A series of hourly buckets is read at most this many days per store call (accounting's hour-series limit). */
const CHUNK_DAYS = 31;

/**
 * Closed chunks' hourly figures, kept between evaluations (docs/alerts.md, "Evaluation cost"). An
 * engine run over [start, end) of one meter reads only that meter's readings in
 * [start − EDGE_WINDOW_MS, end) (the edge before, the learned rate bound's days, the range and its
 * raw fallbacks) and the first reading at or after `end` (the edge after). So its figures are reused
 * while the meter's fingerprint of that span (accounting's `readingFingerprints`: count, latest
 * arrival, first and last device time) and its edge after are what they were: a late reading in the
 * span changes the fingerprint and the chunk is computed again, exactly as without the memo.
 */
export interface HourlyConsumptionMemo {
  /** Per chunk key (zone and range), per meter. */
  readonly chunks: Map<string, Map<string, MemoEntry>>;
  /** The last chunk cut at today's midnight (see `cutChunkConsumption`): its closed days, per key, per meter. */
  readonly closed: Map<string, Map<string, ClosedEntry>>;
  /** And its hours of today, per key, per meter. */
  readonly today: Map<string, Map<string, TodayEntry>>;
  /** The chunk keys asked since the last `pruneMemo`. */
  readonly used: Set<string>;
}

interface ClosedEntry {
  /** The meter's fingerprint of [span start, horizonMs), taken before its closed days were computed. */
  readonly fingerprint: string;
  readonly horizonMs: number;
  readonly consumption: Float64Array;
}

interface TodayEntry {
  /** The closed entry's fingerprint the hours were computed with, and today's own inputs. */
  readonly closedFingerprint: string;
  readonly fingerprint: string;
  readonly edgeAfter: string;
  readonly consumption: Float64Array;
}

interface MemoEntry {
  readonly fingerprint: string;
  readonly edgeAfter: string;
  /** One value per hour of the chunk's boundaries; NaN where the hour is not fully measured. */
  readonly consumption: Float64Array;
}

export function createHourlyConsumptionMemo(): HourlyConsumptionMemo {
  return { chunks: new Map(), closed: new Map(), today: new Map(), used: new Set() };
}

/**
 * Hourly consumption of meters of one zone over [fromMs, toMs), in chunks of whole local days,
 * through accounting's engine. The chunks are cut from `fromMs` as without a memo (a chunk's learned
 * bound depends on its start), so the figures are the same with and without one.
 */
export async function hourlyConsumption(
  store: AccountingStore,
  meters: readonly MeterConfig[],
  fromMs: number,
  toMs: number,
  timeZone: string,
  memo?: HourlyConsumptionMemo,
): Promise<Map<string, HourlyConsumption[]>> {
  const byMeter = new Map<string, HourlyConsumption[]>(meters.map((m) => [m.id, []]));
  const chunks: { start: number; end: number }[] = [];
  for (let start = fromMs; start < toMs;) {
    const end = Math.min(toMs, bucketStart(start + CHUNK_DAYS * DAY_MS, 'day', timeZone));
    chunks.push({ start, end });
    start = end;
  }
  // The chunks are independent engine runs: the store computes one while Node reduces another. With a memo,
  // the last chunk is cut at today's midnight so that its closed days are kept for the day.
  const runs = await Promise.all(
    chunks.map(({ start, end }, index) => {
      const midnightMs = bucketStart(end, 'day', timeZone);
      const cut = memo !== undefined && index === chunks.length - 1 && start < midnightMs && midnightMs < end;
      return cut
        ? cutChunkConsumption(store, meters, { start, midnightMs, end }, timeZone, memo)
        : chunkConsumption(store, meters, start, end, timeZone, memo);
    }),
  );
  for (const run of runs) {
    for (const [meterId, hours] of run) byMeter.get(meterId)?.push(...hours);
  }
  return byMeter;
}

async function chunkConsumption(
  store: AccountingStore,
  meters: readonly MeterConfig[],
  start: number,
  end: number,
  timeZone: string,
  memo: HourlyConsumptionMemo | undefined,
): Promise<Map<string, HourlyConsumption[]>> {
  const boundaries = bucketBoundaries(start, end, 'hour', timeZone);
  const key = `${timeZone}|${start}|${end}`;
  memo?.used.add(key);
  const hoursOf = (values: Float64Array): HourlyConsumption[] =>
    Array.from(values, (v, i) => ({ startMs: boundaries[i] as number, consumption: Number.isNaN(v) ? null : v }));

  const out = new Map<string, HourlyConsumption[]>();
  let misses: readonly MeterConfig[] = meters;
  let current: Map<string, { fingerprint: string; edgeAfter: string }> | undefined;
  if (memo !== undefined) {
    current = await chunkInputs(store, meters, start, end, timeZone);
    const cached = memo.chunks.get(key);
    const missed: MeterConfig[] = [];
    misses = missed;
    for (const m of meters) {
      const entry = cached?.get(m.id);
      const now = current.get(m.id);
      if (entry !== undefined && entry.fingerprint === now?.fingerprint && entry.edgeAfter === now.edgeAfter) {
        out.set(m.id, hoursOf(entry.consumption));
      } else {
        missed.push(m);
      }
    }
  }
  if (misses.length === 0) return out;

  const run = await storeConsumption(store, {
    meters: misses.map(meterSpec),
    fromMs: start,
    toMs: end,
    timeZone,
    boundaries,
    segmentBucket: 'hour',
  });
  let entries = memo?.chunks.get(key);
  if (memo !== undefined && entries === undefined) memo.chunks.set(key, (entries = new Map()));
  for (const [meterId, result] of run.results) {
    const hours = result.buckets.map((b) => ({
      startMs: b.startMs,
      consumption: b.quality === 'measured' ? b.consumption : null,
    }));
    out.set(meterId, hours);
    const inputs = current?.get(meterId);
    const aligned = hours.length === boundaries.length - 1 && hours.every((h, i) => h.startMs === boundaries[i]);
    if (entries !== undefined && inputs !== undefined && aligned) {
      const consumption = Float64Array.from(hours, (h) => h.consumption ?? Number.NaN);
      entries.set(meterId, { ...inputs, consumption });
    }
  }
  return out;
}

/** Per meter, what a chunk's engine run reads, in two queries for all the meters (see HourlyConsumptionMemo). */
async function chunkInputs(
  store: AccountingStore,
  meters: readonly MeterConfig[],
  start: number,
  end: number,
  timeZone: string,
): Promise<Map<string, { fingerprint: string; edgeAfter: string }>> {
  const meterIds = meters.map((m) => m.id);
  const spanFromMs = spanFromOf(start, timeZone);
  const [fingerprints, edges] = await Promise.all([
    store.readingFingerprints({ meterIds, fromMs: spanFromMs, toMs: end }),
    store.edgeReadings({ meterIds, beforeMs: end, afterMs: end, windowMs: EDGE_WINDOW_MS }),
  ]);
  const inputs = new Map<string, { fingerprint: string; edgeAfter: string }>();
  for (const id of meterIds) {
    inputs.set(id, { fingerprint: fingerprintOf(fingerprints, id), edgeAfter: edgeAfterKey(edges.after.get(id)) });
  }
  return inputs;
}

/** Drops the chunks not asked since the last prune (those of earlier windows): one evaluation's chunks are kept. */
export function pruneMemo(memo: HourlyConsumptionMemo): void {
  for (const map of [memo.chunks, memo.closed, memo.today])
    for (const key of map.keys()) if (!memo.used.has(key)) map.delete(key);
  memo.used.clear();
}

/** Rows of the look-ahead past midnight: a few readings' worth, duplicates included. */
const LOOKAHEAD_ROWS = 4 * (MAX_TRANSIENT_READINGS + 1);

const fingerprintOf = (fingerprints: ReadonlyMap<string, string>, id: string) => fingerprints.get(id) ?? 'none';
/** The edge reading after a range as a memo key: a new or rewritten one changes it. */
const edgeAfterKey = (after: { readonly tsMs: number; readonly value: number } | undefined) =>
  after === undefined ? 'none' : `${after.tsMs}|${after.value}`;

/** Where the span a chunk starting at `start` reads begins: the edge before, or the learned bound's days. */
function spanFromOf(start: number, timeZone: string): number {
  // The learned bound's days start at most LEARN_WINDOW_DAYS (+ a DST day) before; the edge window further.
  const learnFromMs = bucketStart(bucketStart(start, 'day', timeZone) - LEARN_WINDOW_DAYS * DAY_MS, 'day', timeZone);
  return Math.min(start - EDGE_WINDOW_MS, learnFromMs);
}

/**
 * Whether the closed days' run of one meter gave exactly what the one chunk [start, end) gives them, and
 * the hours of today's run exactly the one chunk's hours of today (docs/alerts.md, "Incremental ticks").
 * The walk over the readings (accounting/core/consumption.ts) decides each interval looking at most
 * MAX_TRANSIENT_READINGS readings ahead, and from an accepted reading on it depends on nothing before it.
 * So the closed run, given the readings past midnight, walks as the one chunk does up to its first
 * accepted reading A at or after midnight when it saw MAX_TRANSIENT_READINGS readings after A; the
 * interval into A starts at its last accepted reading P before midnight, which the hours after midnight
 * share with the one chunk; today's run starts its walk at the last reading before midnight (its edge
 * before), which is P when no reading between P and midnight was set aside (ignored as a transient, held
 * at a replacement) and P lies within the edge window. Interval meters: each reading is its own
 * interval, so the closed days need every reading whose interval starts before midnight.
 */
function cutIsExact(meter: MeterConfig, result: ConsumptionResult, midnightMs: number): boolean {
  const intervals = result.intervals;
  if (meter.register === 'interval') return intervals.some((i) => i.fromMs >= midnightMs);
  const crossing = intervals.findIndex((i) => i.toMs >= midnightMs);
  const into = intervals[crossing];
  if (into === undefined || into.fromMs >= midnightMs || into.fromMs < midnightMs - EDGE_WINDOW_MS) return false;
  const setAside = result.ignoredReadings.some((r) => r.tsMs > into.fromMs && r.tsMs < midnightMs);
  const replaced = meter.replacements.some((r) => {
    const atMs = Date.parse(r.at);
    return atMs >= into.fromMs && atMs <= midnightMs;
  });
  if (setAside || replaced) return false;
  const seenAfter = intervals.length - 1 - crossing + result.ignoredReadings.filter((r) => r.tsMs > into.toMs).length;
  return seenAfter >= MAX_TRANSIENT_READINGS;
}

function hoursFrom(result: ConsumptionResult, boundaries: readonly number[]): Float64Array | undefined {
  const buckets = result.buckets;
  if (buckets.length !== boundaries.length - 1 || buckets.some((b, i) => b.startMs !== boundaries[i])) return undefined;
  return Float64Array.from(buckets, (b) => (b.quality === 'measured' ? b.consumption : Number.NaN));
}

/**
 * The last chunk [start, end) of a window, cut at today's midnight: the closed days [start, midnight)
 * and today's hours [midnight, end) as two engine runs, whose figures are the one chunk's
 * (`cutIsExact`): the closed run reads the readings past midnight as the one chunk would see them
 * (accounting's `readingsAfter`, up to `end`), today's run learns its rate bounds from the chunk's start
 * (`learnFromMs`). A meter for which the cut is not exact (a transient at midnight, too few readings after
 * it yet) is computed as the one chunk. The closed days are kept while the meter's fingerprint of what
 * they read holds (the span before the chunk, the chunk up to the `end` they were computed at); today's
 * hours while the closed days hold and today's readings and the edge after are unchanged.
 */
async function cutChunkConsumption(
  store: AccountingStore,
  meters: readonly MeterConfig[],
  cut: { readonly start: number; readonly midnightMs: number; readonly end: number },
  timeZone: string,
  memo: HourlyConsumptionMemo,
): Promise<Map<string, HourlyConsumption[]>> {
  const { start, midnightMs, end } = cut;
  const spanFromMs = spanFromOf(start, timeZone);
  const closedKey = `${timeZone}|${start}|${midnightMs}|closed`;
  const todayKey = `${timeZone}|${start}|${midnightMs}|${end}|today`;
  memo.used.add(closedKey).add(todayKey);
  const closedBoundaries = bucketBoundaries(start, midnightMs, 'hour', timeZone);
  const todayBoundaries = bucketBoundaries(midnightMs, end, 'hour', timeZone);
  const meterIds = meters.map((m) => m.id);
  let closed = memo.closed.get(closedKey);
  if (closed === undefined) memo.closed.set(closedKey, (closed = new Map()));
  let today = memo.today.get(todayKey);
  if (today === undefined) memo.today.set(todayKey, (today = new Map()));

  // Which closed days still hold: one fingerprint query per horizon the entries were computed at.
  const byHorizon = new Map<number, string[]>();
  for (const id of meterIds) {
    const entry = closed.get(id);
    if (entry === undefined || entry.horizonMs > end) continue;
    const list = byHorizon.get(entry.horizonMs);
    if (list) list.push(id);
    else byHorizon.set(entry.horizonMs, [id]);
  }
  const [checks, todayPrints, todayEdges] = await Promise.all([
    Promise.all(
      [...byHorizon].map(([horizonMs, ids]) =>
        store.readingFingerprints({ meterIds: ids, fromMs: spanFromMs, toMs: horizonMs }).then((f) => ({ ids, f })),
      ),
    ),
    store.readingFingerprints({ meterIds, fromMs: midnightMs, toMs: end }),
    store.edgeReadings({ meterIds, beforeMs: end, afterMs: end, windowMs: EDGE_WINDOW_MS }),
  ]);
  const closedHeld = new Set<string>();
  for (const { ids, f } of checks)
    for (const id of ids) if (closed.get(id)?.fingerprint === fingerprintOf(f, id)) closedHeld.add(id);
  const edgeAfterOf = (id: string) => edgeAfterKey(todayEdges.after.get(id));
  const closedMisses = meters.filter((m) => !closedHeld.has(m.id));
  const todayMisses = meters.filter((m) => {
    const entry = today.get(m.id);
    return (
      !closedHeld.has(m.id) ||
      entry === undefined ||
      entry.closedFingerprint !== closed.get(m.id)?.fingerprint ||
      entry.fingerprint !== fingerprintOf(todayPrints, m.id) ||
      entry.edgeAfter !== edgeAfterOf(m.id)
    );
  });

  // The closed days of the misses (fingerprint first: a reading that arrives during the run shows next
  // time) and today's hours of the misses, side by side.
  const [closedRun, todayRun] = await Promise.all([
    closedMisses.length === 0
      ? undefined
      : store
          .readingFingerprints({ meterIds: closedMisses.map((m) => m.id), fromMs: spanFromMs, toMs: end })
          .then(async (prints) => ({
            prints,
            run: await storeConsumption(store, {
              meters: closedMisses.map(meterSpec),
              fromMs: start,
              toMs: midnightMs,
              timeZone,
              boundaries: closedBoundaries,
              segmentBucket: 'hour',
              readingsAfter: { untilMs: end, limit: LOOKAHEAD_ROWS },
            }),
          })),
    todayMisses.length === 0
      ? undefined
      : storeConsumption(store, {
          meters: todayMisses.map(meterSpec),
          fromMs: midnightMs,
          toMs: end,
          timeZone,
          boundaries: todayBoundaries,
          segmentBucket: 'hour',
          learnFromMs: start,
        }),
  ]);
  const byId = new Map(meters.map((m) => [m.id, m]));
  const inexact = new Set<string>();
  if (closedRun !== undefined) {
    for (const m of closedMisses) {
      const result = closedRun.run.results.get(m.id);
      const consumption = result === undefined ? undefined : hoursFrom(result, closedBoundaries);
      if (result === undefined || consumption === undefined || !cutIsExact(m, result, midnightMs)) {
        closed.delete(m.id);
        inexact.add(m.id);
        continue;
      }
      closed.set(m.id, { fingerprint: fingerprintOf(closedRun.prints, m.id), horizonMs: end, consumption });
    }
  }
  for (const [id, result] of todayRun?.results ?? []) {
    const entry = closed.get(id);
    const consumption = hoursFrom(result, todayBoundaries);
    if (entry === undefined || consumption === undefined) {
      today.delete(id);
      continue;
    }
    today.set(id, {
      closedFingerprint: entry.fingerprint,
      fingerprint: fingerprintOf(todayPrints, id),
      edgeAfter: edgeAfterOf(id),
      consumption,
    });
  }

  const out = new Map<string, HourlyConsumption[]>();
  const fallback: MeterConfig[] = [];
  for (const m of meters) {
    const closedHours = closed.get(m.id)?.consumption;
    const todayHours = today.get(m.id)?.consumption;
    if (inexact.has(m.id) || closedHours === undefined || todayHours === undefined) {
      fallback.push(byId.get(m.id) ?? m);
      continue;
    }
    const hours: HourlyConsumption[] = [];
    closedHours.forEach((v, i) =>
      hours.push({ startMs: closedBoundaries[i] as number, consumption: Number.isNaN(v) ? null : v }),
    );
    todayHours.forEach((v, i) =>
      hours.push({ startMs: todayBoundaries[i] as number, consumption: Number.isNaN(v) ? null : v }),
    );
    out.set(m.id, hours);
  }
  if (fallback.length > 0)
    for (const [id, hours] of await chunkConsumption(store, fallback, start, end, timeZone, memo)) out.set(id, hours);
  return out;
}
