import type { AccountingStore, EdgeReadings } from '../accounting/index.js';

/**
 * Accounting's store for one evaluation of a zone's meters, asking each memo validation read once for all of them
 * (docs/alerts.md, "Evaluation cost", 2026-12-02 second pass). The baselines go through the engine in passes of
 * 500 meters, and every pass asks the memo's fingerprints (`readingFingerprints`, ~60 days) and edges
 * (`edgeReadings`) of the same ranges for its own meters. On QuestDB each of those scans the whole range
 * whatever the meter list (the list only filters the rows), so a tick at 10 000 meters scanned ~60 days of
 * readings some 40 times (111–142 s of summed request time per tick in the 10 000-meter run). Here the first
 * pass's read of a range asks every meter of the zone, and the later passes take their meters from that answer.
 *
 * Only the reads the memos compare (hourly-consumption.ts) are shared: the fingerprints and the edge after a range's
 * end (`beforeMs` = `afterMs`, the memo's key). A meter's fingerprint and edges do not depend on the other meters
 * asked with it (per-meter aggregates, LATEST ON / first() per meter), so each pass gets what its own read would
 * have given at the first pass's time. That is earlier, never later, than everything the pass then reads to
 * compute (segments, raw readings, the engine's own edges, all still read per pass): a reading arriving in
 * between is in the figures or not, and the kept key says the older state, so the next evaluation sees a change
 * and computes again, as a memo keyed before its read does. One instance per evaluation and zone, kept for its
 * life only; a query naming a meter outside the zone goes to the store unchanged.
 */
export function zoneReads(store: AccountingStore, zoneMeterIds: readonly string[]): AccountingStore {
  const all = [...new Set(zoneMeterIds)];
  const inZone = new Set(all);
  const fingerprints = new Map<string, Promise<ReadonlyMap<string, string>>>();
  const edges = new Map<string, Promise<EdgeReadings>>();
  const covered = (ids: readonly string[]) => ids.length > 0 && ids.every((id) => inZone.has(id));
  const once = <T>(kept: Map<string, Promise<T>>, key: string, ask: () => Promise<T>): Promise<T> => {
    let pending = kept.get(key);
    if (pending === undefined) {
      pending = ask();
      kept.set(key, pending);
      // A failed read is not kept: the next pass asks again (and fails or succeeds on its own).
      pending.catch(() => kept.delete(key));
    }
    return pending;
  };
  return {
    ...store,
    async readingFingerprints(q) {
      if (!covered(q.meterIds)) return store.readingFingerprints(q);
      const answer = await once(fingerprints, `${q.fromMs}|${q.toMs}`, () =>
        store.readingFingerprints({ ...q, meterIds: all }),
      );
      return pick(answer, q.meterIds);
    },
    async edgeReadings(q) {
      if (q.beforeMs !== q.afterMs || !covered(q.meterIds)) return store.edgeReadings(q);
      const answer = await once(edges, `${q.beforeMs}|${q.afterMs}|${q.windowMs}`, () =>
        store.edgeReadings({ ...q, meterIds: all }),
      );
      return { before: pick(answer.before, q.meterIds), after: pick(answer.after, q.meterIds) };
    },
  };
}

/** The entries of the asked meters, in their order (meters without one stay absent, as in a direct answer). */
function pick<T>(answer: ReadonlyMap<string, T>, meterIds: readonly string[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const id of meterIds) {
    const value = answer.get(id);
    if (value !== undefined) out.set(id, value);
  }
  return out;
}
