import {
  EDGE_WINDOW_MS,
  LEARN_WINDOW_DAYS,
  meterSpec,
  storeConsumption,
  type AccountingStore,
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
  /** The chunk keys asked since the last `pruneMemo`. */
  readonly used: Set<string>;
}

interface MemoEntry {
  readonly fingerprint: string;
  readonly edgeAfter: string;
  /** One value per hour of the chunk's boundaries; NaN where the hour is not fully measured. */
  readonly consumption: Float64Array;
}

export function createHourlyConsumptionMemo(): HourlyConsumptionMemo {
  return { chunks: new Map(), used: new Set() };
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
  // The chunks are independent engine runs: the store computes one while Node reduces another.
  const runs = await Promise.all(
    chunks.map(({ start, end }) => chunkConsumption(store, meters, start, end, timeZone, memo)),
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
  // The learned bound's days start at most LEARN_WINDOW_DAYS (+ a DST day) before; the edge window further.
  const learnFromMs = bucketStart(bucketStart(start, 'day', timeZone) - LEARN_WINDOW_DAYS * DAY_MS, 'day', timeZone);
  const spanFromMs = Math.min(start - EDGE_WINDOW_MS, learnFromMs);
  const [fingerprints, edges] = await Promise.all([
    store.readingFingerprints({ meterIds, fromMs: spanFromMs, toMs: end }),
    store.edgeReadings({ meterIds, beforeMs: end, afterMs: end, windowMs: EDGE_WINDOW_MS }),
  ]);
  const inputs = new Map<string, { fingerprint: string; edgeAfter: string }>();
  for (const id of meterIds) {
    const after = edges.after.get(id);
    inputs.set(id, {
      fingerprint: fingerprints.get(id) ?? 'none',
      edgeAfter: after === undefined ? 'none' : `${after.tsMs}|${after.value}`,
    });
  }
  return inputs;
}

/** Drops the chunks not asked since the last prune (those of earlier windows): one evaluation's chunks are kept. */
export function pruneMemo(memo: HourlyConsumptionMemo): void {
  for (const key of memo.chunks.keys()) if (!memo.used.has(key)) memo.chunks.delete(key);
  memo.used.clear();
}
