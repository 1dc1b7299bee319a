import type { MeterPeriodFigures, MeterSpec } from './core/index.js';
import type { AccountingStore } from './ports.js';
import { EDGE_WINDOW_MS, type ConsumptionRun } from './store-consumption.js';

/**
 * Reuse of a period's per-meter figures while the readings they were computed from are unchanged
 * (issue 11 §4): a report of a closed month asked again (the dashboard asks the last three months
 * on every visit) costs one fingerprint query instead of the segment, edge and raw-reading queries
 * and the consumption core.
 *
 * Correctness first: a closed month still takes late readings (a gateway's late batch, a replayed
 * spool), so an entry is only reused when the store's fingerprints (ports.ts, readingFingerprints:
 * per meter, row count, latest arrival, first and last device time) of every reading the
 * computation can have read are equal to the ones taken before it ran. That span is
 * [fromMs − EDGE_WINDOW_MS, toMs + EDGE_WINDOW_MS): the period's segments and raw readings, the edge
 * readings looked for within EDGE_WINDOW_MS on both sides, and the plausibility bounds learned from
 * the LEARN_WINDOW_DAYS local days before the period (store-consumption.ts; 28 days and the day's
 * alignment are inside the 31-day edge window). The fingerprints are taken before the figures are
 * computed, so a reading that lands during the computation makes the next check differ (never a
 * stale entry kept as fresh). Everything else the figures depend on is in the key (the meters' specs,
 * the range, the time zone).
 */

export type PeriodFigures = { figures: Map<string, MeterPeriodFigures>; stats: ConsumptionRun['stats'] };

export type PeriodFiguresCompute = (
  store: AccountingStore,
  meters: readonly MeterSpec[],
  fromMs: number,
  toMs: number,
  timeZone: string,
) => Promise<PeriodFigures>;

export interface PeriodFiguresCacheOptions {
  /**
   * At most this many meter-periods kept (the sum of the entries' meter counts), least recently
   * used dropped first: 0 turns the cache off. The default keeps a demo fleet's whole year of months
   * and a 10 000-meter region's few last reports.
   */
  readonly maxMeterPeriods?: number;
}

const DEFAULT_MAX_METER_PERIODS = 100_000;

interface Entry {
  readonly fingerprints: ReadonlyMap<string, string>;
  readonly result: PeriodFigures;
  readonly meters: number;
}

export function createPeriodFiguresCache(
  compute: PeriodFiguresCompute,
  options: PeriodFiguresCacheOptions = {},
): PeriodFiguresCompute {
  const maxMeterPeriods = options.maxMeterPeriods ?? DEFAULT_MAX_METER_PERIODS;
  if (maxMeterPeriods <= 0) return compute;
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  const entries = new Map<string, Entry>();
  let kept = 0;

  return async (store, meters, fromMs, toMs, timeZone) => {
    if (meters.length === 0 || meters.length > maxMeterPeriods) return compute(store, meters, fromMs, toMs, timeZone);
    const key = JSON.stringify([fromMs, toMs, timeZone, meters]);
    const fingerprints = await store.readingFingerprints({
      meterIds: meters.map((m) => m.id),
      fromMs: fromMs - EDGE_WINDOW_MS,
      toMs: toMs + EDGE_WINDOW_MS,
    });
    const entry = entries.get(key);
    if (entry !== undefined) {
      entries.delete(key);
      if (sameFingerprints(entry.fingerprints, fingerprints)) {
        entries.set(key, entry);
        return copy(entry.result);
      }
      kept -= entry.meters;
    }
    const result = await compute(store, meters, fromMs, toMs, timeZone);
    entries.set(key, { fingerprints, result: copy(result), meters: meters.length });
    kept += meters.length;
    for (const [oldKey, old] of entries) {
      if (kept <= maxMeterPeriods) break;
      entries.delete(oldKey);
      kept -= old.meters;
    }
    return result;
  };
}

function sameFingerprints(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [meterId, fingerprint] of a) if (b.get(meterId) !== fingerprint) return false;
  return true;
}

/** The figures are plain values the engine only reads; a fresh map and stats keep a caller's changes out. */
function copy(result: PeriodFigures): PeriodFigures {
  return { figures: new Map(result.figures), stats: { ...result.stats } };
}
