import { str, timeZone, type QuestDbClient } from '../../src/platform/questdb/index.js';

/**
 * The per-(meter, local day) aggregates of the readings as a QuestDB materialized view, one view per
 * time zone. QuestDB keeps it current from the readings table's WAL (a late reading re-aggregates its
 * day), so whole local days are answered without reading the raw rows: the first and last reading, the
 * count, the distinct instants, the latest arrival, and the register checks inside the day.
 *
 * The checks compare each reading with the meter's previous one, which a SAMPLE BY aggregate cannot see
 * and which a view may not compute with a window function (QuestDB refuses `lag` on a view's base
 * table). An LT JOIN of the readings with themselves on meter_id gives each reading the meter's reading
 * at the latest earlier instant; only pairs inside one local day count, as in the day-by-day `lag`
 * (the caller compares a day's first reading with the previous day's last itself). Two values stored at
 * one instant (a conflict) are not a pair of the LT JOIN: such a day has fewer instants than readings,
 * and its checks are taken from the readings with `lag` instead (questdb-accounting-store.ts).
 */
export interface DayView {
  /** The view's name for this zone, created (and filled by QuestDB from the readings) if missing. */
  ensure(zone: string): Promise<string>;
  /**
   * Resolves once the zone's view has been refreshed up to the readings table's transaction at the
   * time of the call: every reading written before then is in it.
   */
  current(zone: string): Promise<string>;
  /** The zones whose views this store created or found, for queries that may use any zone's days. */
  zones(): readonly string[];
}

const POLL_MS = 20;
/**
 * QuestDB's default refresh (after every transaction of the readings table) re-aggregates the whole current
 * day each time: ~1 M rows at 10 000 meters, many times a second while ingesting. On a timer the view costs one
 * such pass per interval, and a read that needs it current asks for the refresh itself (`current`).
 */
const REFRESH_EVERY = '10m';
/** A view created over a large table is filled once (38 s for 28.8 M rows at load 20–28 here); the wait is bounded. */
const MAX_WAIT_MS = 30 * 60_000;

/**
 * `Asia/Shanghai` → `asia__shanghai`, `Etc/GMT-5` → `etc__gmt_minus_5`: the zone in the view's name, one
 * name per zone (a sign or a separator dropped would give two zones one view).
 */
export function dayViewName(prefix: string, zone: string): string {
  const slug = zone
    .toLowerCase()
    .replaceAll('/', '__')
    .replaceAll('+', '_plus_')
    .replaceAll('-', '_minus_')
    .replace(/[^a-z0-9_]/g, '_');
  return `${prefix}readings_day_${slug}`;
}

export function createDayView(client: QuestDbClient, prefix: string, readingsTable: string): DayView {
  const exec = (sql: string) => client.exec(sql);
  const ensured = new Map<string, Promise<string>>();

  function viewSql(name: string, zone: string): string {
    const tz = timeZone(zone);
    const sameDay = `timestamp_floor('d', to_timezone(b.ts, ${tz})) = timestamp_floor('d', to_timezone(a.ts, ${tz}))`;
    return (
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} WITH BASE ${readingsTable}` +
      ` REFRESH EVERY ${REFRESH_EVERY} AS (` +
      `SELECT a.ts ts, a.meter_id meter_id, first(a.ts) first_ts, first(a.value) first_value,` +
      ` last(a.ts) last_ts, last(a.value) last_value, count() n, count_distinct(a.ts) instants,` +
      ` max(a.received_at) max_received,` +
      ` sum(CASE WHEN a.value < b.value AND ${sameDay} THEN 1 ELSE 0 END) decreases,` +
      // The same arithmetic as the `lag` query's rate: register units per hour from microseconds.
      ` max(CASE WHEN ${sameDay} THEN (a.value - b.value) / ((a.ts - b.ts) / 3600000000.0) END) max_rate` +
      ` FROM ${readingsTable} a LT JOIN ${readingsTable} b ON (meter_id)` +
      ` SAMPLE BY 1d ALIGN TO CALENDAR TIME ZONE ${tz}) PARTITION BY MONTH`
    );
  }

  function ensure(zone: string): Promise<string> {
    let pending = ensured.get(zone);
    if (pending === undefined) {
      const name = dayViewName(prefix, zone);
      pending = exec(viewSql(name, zone)).then(() => name);
      ensured.set(zone, pending);
      pending.catch(() => ensured.delete(zone));
    }
    return pending;
  }

  async function status(name: string): Promise<{ refreshed: number; base: number; state: string } | undefined> {
    const result = await exec(
      `SELECT refresh_base_table_txn, base_table_txn, view_status FROM materialized_views()` +
        ` WHERE view_name = ${str(name)}`,
    );
    const row = result.dataset[0];
    if (row === undefined) return undefined;
    return { refreshed: Number(row[0]), base: Number(row[1]), state: String(row[2]) };
  }

  async function current(zone: string): Promise<string> {
    const name = await ensure(zone);
    const deadline = Date.now() + MAX_WAIT_MS;
    let target: number | undefined;
    let rebuilt = false;
    let refreshAsked = false;
    for (;;) {
      const s = await status(name);
      // A view just created over many rows is listed only once QuestDB has filled it.
      if (s === undefined) {
        if (Date.now() > deadline) throw new Error(`materialized view ${name} is missing`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      // An invalid view (the base table was truncated or its schema changed) is rebuilt, once per wait.
      if (s.state === 'invalid' && !rebuilt) {
        await exec(`REFRESH MATERIALIZED VIEW ${name} FULL`);
        rebuilt = true;
      }
      target ??= s.base;
      if (s.state !== 'invalid' && s.refreshed >= target) return name;
      // Between two timer refreshes the view lags the readings: the first wait asks for the refresh now.
      if (s.state !== 'invalid' && !refreshAsked) {
        await exec(`REFRESH MATERIALIZED VIEW ${name} INCREMENTAL`);
        refreshAsked = true;
      }
      if (Date.now() > deadline) throw new Error(`materialized view ${name} did not catch up with ${readingsTable}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  return { ensure, current, zones: () => [...ensured.keys()] };
}
