import type { AccountingStore, RawReadingQuery } from '../accounting/index.js';
import type { StoredReadings } from '../ingest/index.js';
import { HOUR_MS, type Reading } from '../src/kernel/index.js';

/**
 * Accounting's store with the raw reads of an engine pass that share one range answered together
 * (docs/alerts.md, "Evaluation cost", 2026-12-02 second pass). The baselines' closed days read, per meter, the
 * first readings after today's midnight (accounting's `readingsAfter`): the same range and limit for every
 * meter of the pass. A store without `readingsBatch` (QuestDB) answers each of those as its own request, and
 * one that reaches its limit as a second one at the last instant: 2 000 requests per 1 000 meters, ~20 s of a
 * cold evaluation at 1 000 meters. Ingest's `readingsOfMeters` gives the same rows for many meters in one
 * request: per meter ascending by (ts, value), its first `limit`, which is what `readings` answers
 * (accounting/ports.ts), so the engine sees exactly the rows it saw before.
 *
 * Only ranges of at most MAX_SHARED_SPAN_MS are read together: `readingsOfMeters` reads every row of the range
 * before cutting each meter at its limit, so a long range with a small limit (a raw fallback's spill to the end
 * of a month) stays a per-meter query that stops at its limit. A store that has its own batch (DuckDB) is
 * returned as it is.
 */
export type MeterReadings = Pick<StoredReadings, 'readingsOfMeters'>;

/** The look-ahead past today's midnight spans less than a day (25 h on a day a clock goes back). */
export const MAX_SHARED_SPAN_MS = 26 * HOUR_MS;

/** Single reads run this many at a time, as accounting's engine runs them without a batch. */
const CONCURRENCY = 16;

export function withSharedRangeReads(store: AccountingStore, readings: MeterReadings | undefined): AccountingStore {
  if (readings === undefined || store.readingsBatch !== undefined) return store;
  return { ...store, readingsBatch: (queries) => readShared(store, readings, queries) };
}

async function readShared(
  store: AccountingStore,
  readings: MeterReadings,
  queries: readonly RawReadingQuery[],
): Promise<readonly (readonly Reading[])[]> {
  const answers = new Array<readonly Reading[]>(queries.length);
  const groups = new Map<string, number[]>();
  queries.forEach((q, index) => {
    const key = `${q.fromMs}|${q.toMs}|${q.limit}`;
    const list = groups.get(key);
    if (list) list.push(index);
    else groups.set(key, [index]);
  });
  const single: number[] = [];
  const shared: number[][] = [];
  for (const indexes of groups.values()) {
    const q = queries[indexes[0] as number] as RawReadingQuery;
    if (indexes.length > 1 && q.toMs - q.fromMs <= MAX_SHARED_SPAN_MS) shared.push(indexes);
    else single.push(...indexes);
  }
  const readGroup = async (indexes: readonly number[]) => {
    const { fromMs, toMs, limit } = queries[indexes[0] as number] as RawReadingQuery;
    const meterIds = [...new Set(indexes.map((i) => (queries[i] as RawReadingQuery).meterId))];
    const byMeter = await readings.readingsOfMeters({ meterIds, fromMs, toMs, limitPerMeter: limit });
    for (const i of indexes) answers[i] = byMeter.get((queries[i] as RawReadingQuery).meterId) ?? [];
  };
  let next = 0;
  const worker = async () => {
    while (next < single.length) {
      const index = single[next++] as number;
      answers[index] = await store.readings(queries[index] as RawReadingQuery);
    }
  };
  await Promise.all([
    ...shared.map(readGroup),
    ...Array.from({ length: Math.min(CONCURRENCY, single.length) }, worker),
  ]);
  return answers;
}
