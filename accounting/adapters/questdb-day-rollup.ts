import type { LocalDay } from '../../src/kernel/index.js';
import { parseTimestamp, str, timeZone, ts, type QuestDbClient } from '../../src/platform/questdb/index.js';

/**
 * A hand-made QuestDB roll-up of register segments: one row per (local hour, meter,
 * zone) in `segments`, and per (local day, zone) in `state` the fingerprint of
 * the readings it was computed from (the store's `segments_hour`: the baselines'
 * hourly series of closed days), which spares the
 * single-threaded window over every raw reading of the range. Whole local days and
 * months come from QuestDB's materialized view instead (questdb-day-view.ts).
 */
export interface DayRollupTables {
  readonly readings: string;
  readonly segments: string;
  readonly state: string;
}

export interface DayRollup {
  /** Creates the two roll-up tables if missing. */
  init(): Promise<void>;
  /** Brings the roll-up up to date for these local days of `zone`. One refresh at a time. */
  refresh(days: readonly LocalDay[], zone: string): Promise<void>;
}

const STATE_ROWS_PER_INSERT = 40;

/** Up to this many days, the roll-up's freshness check asks day by day (see dayFingerprints). */
const PER_DAY_FINGERPRINT_MAX_DAYS = 62;

export function createDayRollup(client: QuestDbClient, tables: DayRollupTables): DayRollup {
  const exec = (sql: string) => client.exec(sql);
  // One refresh at a time (two reports asking for the same stale days would compute them twice).
  let refreshTail: Promise<unknown> = Promise.resolve();
  /**
   * Local days (per zone) whose roll-up was found current when the readings
   * table's applied txn was `txn` (read before their fingerprints). While that
   * txn has not moved, no reading was added or rewritten, so the fingerprints
   * cannot have changed: a report asking the same days again (the refinement
   * of anomalous months, a warm report) skips them.
   */
  let verified: { readonly txn: string; readonly days: Map<string, Set<number>> } | undefined;

  /**
   * Per local day: [count, max(received_at), Σ value]. Up to two months, one
   * vectorised query per day (8 at a time: ~60 ms for a month of 28.8 M rows on
   * 2 cores); beyond, one SAMPLE BY over the range (~0.4 s per 30 M rows), which
   * beats hundreds of requests.
   */
  async function dayFingerprints(days: readonly LocalDay[], zone: string): Promise<Map<number, readonly unknown[]>> {
    const fingerprints = new Map<number, readonly unknown[]>();
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) return fingerprints;
    if (days.length > PER_DAY_FINGERPRINT_MAX_DAYS) {
      const result = await exec(
        `SELECT ts, count(), max(received_at), sum(value) FROM ${tables.readings}` +
          ` WHERE ts >= ${ts(first.startMs)} AND ts < ${ts(last.endMs)}` +
          ` SAMPLE BY 1d ALIGN TO CALENDAR TIME ZONE ${timeZone(zone)}`,
      );
      for (const row of result.dataset) fingerprints.set(parseTimestamp(row[0]), row.slice(1));
      return fingerprints;
    }
    let next = 0;
    const worker = async () => {
      while (next < days.length) {
        const day = days[next++] as LocalDay;
        const result = await exec(
          `SELECT count(), max(received_at), sum(value) FROM ${tables.readings}` +
            ` WHERE ts >= ${ts(day.startMs)} AND ts < ${ts(day.endMs)}`,
        );
        fingerprints.set(day.startMs, result.dataset[0] ?? [0, null, 0]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, days.length) }, worker));
    return fingerprints;
  }

  /** The readings table's applied and sequenced txn, as one key; undefined if not known. */
  async function readingsTxn(): Promise<string | undefined> {
    const result = await exec(`SELECT writerTxn, sequencerTxn FROM wal_tables() WHERE name = ${str(tables.readings)}`);
    const row = result.dataset[0];
    if (row === undefined || row[0] === null || row[0] === undefined) return undefined;
    return `${String(row[0])}/${String(row[1])}`;
  }

  function recordVerified(txn: string | undefined, days: readonly LocalDay[], zone: string): void {
    if (txn === undefined) return;
    if (verified?.txn !== txn) verified = { txn, days: new Map() };
    let set = verified.days.get(zone);
    if (set === undefined) verified.days.set(zone, (set = new Set()));
    for (const day of days) set.add(day.startMs);
  }

  async function doRefreshDays(days: readonly LocalDay[], zone: string): Promise<void> {
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) return;
    const txn = await readingsTxn();
    const known = verified !== undefined && verified.txn === txn ? verified.days.get(zone) : undefined;
    if (known !== undefined && days.every((day) => known.has(day.startMs))) return;
    await refreshStaleDays(days, zone);
    recordVerified(txn, days, zone);
  }

  /**
   * The whole range at once, before the days one by one: rows are keyed by (meter, ts, value) and never
   * rewritten in place or deleted, so a day's count only grows when a reading is added, and an added
   * reading arrives later than every recorded one. When the range's count is the sum of the recorded
   * days' counts and its latest arrival is the latest recorded, no day changed since it was computed
   * (a day without readings then has none now); one vectorised query instead of one per day. Any
   * difference (a late reading, an exact replay moving the latest arrival) checks the days one by one.
   */
  function unchangedSince(state: readonly (readonly unknown[])[], whole: readonly unknown[] | undefined): boolean {
    if (whole === undefined) return false;
    let n = 0;
    let maxReceived: string | null = null;
    for (const row of state) {
      n += Number(row[1]);
      const received = row[2] === null || row[2] === undefined ? null : String(row[2]);
      if (received !== null && (maxReceived === null || received > maxReceived)) maxReceived = received;
    }
    const count = Number(whole[0] ?? 0);
    const latest = whole[1] === null || whole[1] === undefined ? null : String(whole[1]);
    return count === n && latest === maxReceived;
  }

  async function refreshStaleDays(days: readonly LocalDay[], zone: string): Promise<void> {
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) return;
    const [state, whole] = await Promise.all([
      exec(
        `SELECT ts, n, max_received, sum_value FROM ${tables.state} WHERE tz = ${timeZone(zone)}` +
          ` AND ts >= ${ts(first.startMs)} AND ts < ${ts(last.endMs)}`,
      ),
      exec(
        `SELECT count(), max(received_at) FROM ${tables.readings}` +
          ` WHERE ts >= ${ts(first.startMs)} AND ts < ${ts(last.endMs)}`,
      ),
    ]);
    if (unchangedSince(state.dataset, whole.dataset[0])) return;
    const fingerprints = await dayFingerprints(days, zone);
    const recorded = new Map(
      state.dataset.map((row) => [
        parseTimestamp(row[0]),
        { n: Number(row[1]), maxReceived: row[2] === null ? null : String(row[2]), sum: Number(row[3]) },
      ]),
    );
    const stale: { day: LocalDay; n: number; maxReceived: unknown; sum: number }[] = [];
    days.forEach((day) => {
      const row = fingerprints.get(day.startMs) ?? [0, null, 0];
      const n = Number(row[0] ?? 0);
      if (n === 0) return;
      const sum = Number(row[2] ?? 0);
      const before = recorded.get(day.startMs);
      const same =
        before !== undefined &&
        before.n === n &&
        before.maxReceived === String(row[1]) &&
        Math.abs(before.sum - sum) <= 1e-12 * Math.max(1, Math.abs(sum));
      if (!same) stale.push({ day, n, maxReceived: row[1], sum });
    });
    if (stale.length === 0) return;
    for (const { day } of stale) {
      await exec(
        `INSERT INTO ${tables.segments} SELECT ts, meter_id, ${timeZone(zone)}, first(ts), first(value), last(ts),` +
          ` last(value), count(),` +
          // A second value at one instant counts as a decrease (the hour is read raw) and has no rate.
          ` sum(CASE WHEN value < prev_value OR ts = prev_ts THEN 1 ELSE 0 END),` +
          ` max(CASE WHEN ts > prev_ts THEN (value - prev_value) / ((ts - prev_ts) / 3600000000.0) END)` +
          ` FROM (SELECT meter_id, ts, value, lag(value) OVER (PARTITION BY meter_id ORDER BY ts, value) prev_value,` +
          ` lag(ts) OVER (PARTITION BY meter_id ORDER BY ts, value) prev_ts FROM ${tables.readings}` +
          ` WHERE ts >= ${ts(day.startMs)} AND ts < ${ts(day.endMs)})` +
          ` SAMPLE BY 1h ALIGN TO CALENDAR TIME ZONE ${timeZone(zone)}`,
      );
    }
    await client.waitForWal([tables.segments]);
    const values = stale.map(({ day, n, maxReceived, sum }) => {
      const received = typeof maxReceived === 'string' ? ts(parseTimestamp(maxReceived)) : 'null';
      const sumValue = Number.isFinite(sum) ? sum : 'null';
      return `(${ts(day.startMs)}, ${timeZone(zone)}, ${n}, ${received}, ${sumValue}, now())`;
    });
    // In chunks: the SQL travels in the URL, whose length QuestDB bounds (a year's 365 rows did not fit).
    for (let i = 0; i < values.length; i += STATE_ROWS_PER_INSERT) {
      await exec(
        `INSERT INTO ${tables.state} (ts, tz, n, max_received, sum_value, computed_at)` +
          ` VALUES ${values.slice(i, i + STATE_ROWS_PER_INSERT).join(', ')}`,
      );
    }
    await client.waitForWal([tables.state]);
  }

  return {
    async init() {
      await exec(
        `CREATE TABLE IF NOT EXISTS ${tables.segments} (ts TIMESTAMP, meter_id SYMBOL CAPACITY 16384 CACHE,` +
          ` tz SYMBOL, first_ts TIMESTAMP, first_value DOUBLE, last_ts TIMESTAMP, last_value DOUBLE, n LONG, decreases LONG,` +
          ` max_rate DOUBLE) TIMESTAMP(ts) PARTITION BY MONTH WAL DEDUP UPSERT KEYS(ts, meter_id, tz)`,
      );
      await exec(
        `CREATE TABLE IF NOT EXISTS ${tables.state} (ts TIMESTAMP, tz SYMBOL, n LONG, max_received TIMESTAMP,` +
          ` sum_value DOUBLE, computed_at TIMESTAMP) TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, tz)`,
      );
    },
    /**
     * A day's fingerprint (row count, latest arrival, Σ value over all meters:
     * cheap vectorised aggregates over one day) is compared with the one
     * recorded when its segments were computed; a day whose fingerprint changed
     * (late data, a rewrite) or was never computed is reduced again from the
     * readings. The state row is written only after the segments are applied, so
     * a crash in between means one more recomputation, never a stale answer.
     */
    refresh(days, zone) {
      const result = refreshTail.then(() => doRefreshDays(days, zone));
      refreshTail = result.catch(() => undefined);
      return result;
    },
  };
}
