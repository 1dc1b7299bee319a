import type { Reading } from '../../src/kernel/index.js';
import { parseTimestamp } from '../../src/platform/questdb/index.js';

/**
 * The readings table is ingest's; accounting's adapters read it too. Its row shapes
 * are defined once per engine here, so the two capabilities cannot drift apart.
 */

/** The table names under a prefix (tests, or two environments, sharing one QuestDB); refused unless a plain identifier. */
export function prefixedTableName(prefix: string, table: string): string {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`tablePrefix must match [A-Za-z0-9_]*: ${prefix}`);
  return `${prefix}${table}`;
}

/** A QuestDB row of `SELECT meter_id, ts, value, seq, received_at, quality`. */
export function questDbRowToReading(row: readonly unknown[]): Reading {
  return {
    meterId: String(row[0]),
    tsMs: parseTimestamp(row[1]),
    value: Number(row[2]),
    seq: row[3] === null ? null : Number(row[3]),
    receivedAtMs: parseTimestamp(row[4]),
    quality: String(row[5]) as Reading['quality'],
  };
}

/** A DuckDB row of `SELECT meter_id, epoch_ms(ts) AS ts_ms, value, seq, epoch_ms(received_at) AS received_ms, quality`. */
export function duckDbRowToReading(row: Record<string, unknown>): Reading {
  return {
    meterId: String(row.meter_id),
    tsMs: Number(row.ts_ms),
    value: Number(row.value),
    seq: row.seq === null ? null : Number(row.seq),
    receivedAtMs: Number(row.received_ms),
    quality: String(row.quality) as Reading['quality'],
  };
}

/** Readings in ascending (tsMs, value) order grouped by meter (only `wanted` ones), each meter's first `limitPerMeter`. */
export function groupReadingsByMeter(
  rows: readonly Reading[],
  wanted: ReadonlySet<string>,
  limitPerMeter: number,
): Map<string, Reading[]> {
  const byMeter = new Map<string, Reading[]>();
  for (const r of rows) {
    if (!wanted.has(r.meterId)) continue;
    const list = byMeter.get(r.meterId);
    if (list === undefined) byMeter.set(r.meterId, [r]);
    else if (list.length < limitPerMeter) list.push(r);
  }
  return byMeter;
}
