import { bucketStart, localDays, type Reading } from '../../src/kernel/index.js';
import {
  inListFilter,
  limit,
  parseTimestamp,
  str,
  timeZone,
  ts,
  type QuestDbClient,
} from '../../src/platform/questdb/index.js';
import type {
  AccountingStoreAdapter,
  EdgeQuery,
  EdgeReadings,
  FingerprintQuery,
  LastReading,
  RawReadingQuery,
  RegisterSegment,
  SegmentBucket,
  SegmentQuery,
} from '../ports.js';
import { prefixedTableName, questDbRowToReading } from '../../ingest/index.js';
import { createDayRollup } from './questdb-day-rollup.js';
import { createDayView } from './questdb-day-view.js';

/**
 * Accounting's queries in QuestDB, over ingest's `readings` table (its columns:
 * meter_id, ts, value, seq, received_at, quality), a materialized view of it per
 * time zone for whole local days (questdb-day-view.ts) and accounting's own hour
 * roll-up (questdb-day-rollup.ts). Heavy aggregation runs in QuestDB SQL
 * (SAMPLE BY, window functions, LT JOIN), not in Node.
 */
export interface QuestDbAccountingStoreOptions {
  /** Prepended to every table name, the readings table's included; the ingest store must use the same. */
  readonly tablePrefix?: string;
  /**
   * Zones whose day view (questdb-day-view.ts) is created at init, so QuestDB fills it while readings
   * arrive (the fleet's institution zones); a view for any other zone is created when first asked.
   */
  readonly viewTimeZones?: readonly string[];
}

const SAMPLE_BY: Record<SegmentBucket, string> = { hour: '1h', day: '1d', month: '1M' };

const byMeterAndBucket = (a: RegisterSegment, b: RegisterSegment): number =>
  a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : a.bucketStartMs - b.bucketStartMs;

/**
 * `b` with its first reading compared with `a`'s last, the reading before it in the range, as the direct
 * query's `lag` compares them: a lower value is a decrease, and the rate between them (register units per
 * hour, from microseconds, the SQL's own arithmetic) counts towards the highest.
 */
function crossChecked(a: RegisterSegment, b: RegisterSegment): RegisterSegment {
  const rate = (b.firstValue - a.lastValue) / (((b.firstTsMs - a.lastTsMs) * 1000) / 3600000000.0);
  return {
    ...b,
    decreases: b.decreases + (b.firstValue < a.lastValue ? 1 : 0),
    maxRatePerHour: b.maxRatePerHour === null || rate > b.maxRatePerHour ? rate : b.maxRatePerHour,
  };
}

const byTimeThenValue = (a: Reading, b: Reading): number => a.tsMs - b.tsMs || a.value - b.value;

/** Edge readings are looked for in a short window first, then in the whole window for the meters still missing. */
const EDGE_FIRST_WINDOW_MS = 86_400_000;

/** Instants per query when edges are checked for a second stored value. */
const EDGE_INSTANTS_PER_QUERY = 100;

export function createQuestDbAccountingStore(
  client: QuestDbClient,
  options: QuestDbAccountingStoreOptions = {},
): AccountingStoreAdapter {
  const prefix = options.tablePrefix ?? '';
  const readingsTable = prefixedTableName(prefix, 'readings');
  const hourSegmentsTable = prefixedTableName(prefix, 'segments_hour');
  // Whole local days and months: QuestDB's materialized view per zone.
  const dayView = createDayView(client, prefix, readingsTable);
  // The roll-up at hour grain: the baselines' hourly series of closed days (docs/alerts.md, "Evaluation cost").
  const hourRollup = createDayRollup(client, {
    readings: readingsTable,
    segments: hourSegmentsTable,
    state: `${prefix}segments_hour_state`,
  });
  const exec = (sql: string) => client.exec(sql);
  const meterFilter = (meterIds: readonly string[]) => inListFilter('meter_id', meterIds);

  /**
   * Register segments straight from the readings: a window `lag` over each
   * meter's readings in the range, then SAMPLE BY the bucket aligned to the
   * calendar of the time zone (a Shanghai day starts at 16:00Z). The window
   * keeps the designated timestamp's order, which SAMPLE BY and first()/last()
   * rely on. A second value at an instant already seen (a stored conflict) counts
   * as a decrease, so the bucket is read raw and the engine resolves it; it has
   * no rate of its own. Measured: ~8 s for 28.8 M rows on 2 cores (the window is
   * single-threaded), hence the day view for whole days.
   */
  function directSegmentsSql(query: SegmentQuery): string {
    return (
      `SELECT ts, meter_id, first(ts), first(value), last(ts), last(value), count(),` +
      ` sum(CASE WHEN value < prev_value OR ts = prev_ts THEN 1 ELSE 0 END),` +
      ` max(CASE WHEN ts > prev_ts THEN (value - prev_value) / ((ts - prev_ts) / 3600000000.0) END)` +
      ` FROM (SELECT meter_id, ts, value, lag(value) OVER (PARTITION BY meter_id ORDER BY ts, value) prev_value,` +
      ` lag(ts) OVER (PARTITION BY meter_id ORDER BY ts, value) prev_ts FROM ${readingsTable}` +
      ` WHERE ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${meterFilter(query.meterIds)})` +
      ` SAMPLE BY ${SAMPLE_BY[query.bucket]} ALIGN TO CALENDAR TIME ZONE ${timeZone(query.timeZone)}`
    );
  }

  /**
   * The same answer from the hour roll-up: each local hour's segment was reduced once (with its
   * decreases and rates counted inside the hour); the comparison of an hour's first reading with the
   * previous hour's last is added here with a `lag` over the hour rows. Only the first hour of the
   * range has no previous one, as in the direct query.
   */
  function hourRollupSegmentsSql(query: SegmentQuery): string {
    const crossRate = '(first_value - prev_last) / ((first_ts - prev_last_ts) / 3600000000.0)';
    return (
      `SELECT ts, meter_id, first_ts, first_value, last_ts, last_value, n,` +
      ` decreases + CASE WHEN first_value < prev_last THEN 1 ELSE 0 END decreases,` +
      ` CASE WHEN prev_last_ts IS NULL THEN max_rate WHEN max_rate IS NULL OR ${crossRate} > max_rate` +
      ` THEN ${crossRate} ELSE max_rate END max_rate` +
      ` FROM (SELECT ts, meter_id, first_ts, first_value, last_ts, last_value, n, decreases, max_rate,` +
      ` lag(last_value) OVER (PARTITION BY meter_id ORDER BY ts) prev_last,` +
      ` lag(last_ts) OVER (PARTITION BY meter_id ORDER BY ts) prev_last_ts` +
      ` FROM ${hourSegmentsTable} WHERE tz = ${timeZone(query.timeZone)}` +
      ` AND ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${meterFilter(query.meterIds)})`
    );
  }

  /**
   * The same answer from a zone's day view (questdb-day-view.ts): each local day's checks were counted
   * inside the day; the comparison of a day's first reading with the meter's previous day in the range
   * is added here. An LT JOIN of the range's day rows with themselves gives each day row the meter's
   * latest earlier one in the range (half the time of a `lag` window over 300 000 day rows, and the
   * same rows); the range's first day has none, as in the direct query. Months are SAMPLE BY over days.
   */
  function viewSegmentsSql(query: SegmentQuery, view: string): string {
    const days =
      `SELECT ts, meter_id, first_ts, first_value, last_ts, last_value, n, decreases, max_rate FROM ${view}` +
      ` WHERE ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${meterFilter(query.meterIds)}`;
    const crossRate = '(a.first_value - b.last_value) / ((a.first_ts - b.last_ts) / 3600000000.0)';
    const decreases = `a.decreases + CASE WHEN a.first_value < b.last_value THEN 1 ELSE 0 END`;
    const maxRate =
      `CASE WHEN b.ts IS NULL THEN a.max_rate` +
      ` WHEN a.max_rate IS NULL OR ${crossRate} > a.max_rate THEN ${crossRate} ELSE a.max_rate END`;
    const joined = ` FROM (${days}) a LT JOIN (${days}) b ON (meter_id)`;
    if (query.bucket !== 'month')
      return `SELECT a.ts, a.meter_id, a.first_ts, a.first_value, a.last_ts, a.last_value, a.n, ${decreases}, ${maxRate}${joined}`;
    return (
      `SELECT a.ts ts, a.meter_id, first(a.first_ts), first(a.first_value), last(a.last_ts), last(a.last_value),` +
      ` sum(a.n), sum(${decreases}), max(${maxRate})${joined}` +
      ` SAMPLE BY 1M ALIGN TO CALENDAR TIME ZONE ${timeZone(query.timeZone)}`
    );
  }

  /**
   * Whole local days and months from the zone's day view. A meter with a day of two values at one
   * instant (fewer instants than readings: the view's LT JOIN does not pair them) is answered by the
   * direct query instead, which counts the conflict as the port says.
   */
  async function viewSegments(query: SegmentQuery): Promise<RegisterSegment[]> {
    const view = await dayView.current(query.timeZone);
    const range = `ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${meterFilter(query.meterIds)}`;
    const [rows, conflicts] = await Promise.all([
      exec(viewSegmentsSql(query, view)),
      exec(`SELECT DISTINCT meter_id FROM ${view} WHERE ${range} AND n > instants`),
    ]);
    const wanted = new Set(query.meterIds);
    const conflicted = conflicts.dataset.map((row) => String(row[0])).filter((id) => wanted.has(id));
    const segments = segmentsOf(query, rows);
    if (conflicted.length === 0) return segments;
    const direct = { ...query, meterIds: conflicted };
    const exact = segmentsOf(direct, await exec(directSegmentsSql(direct)));
    const replaced = new Set(conflicted);
    return [...segments.filter((s) => !replaced.has(s.meterId)), ...exact].sort(byMeterAndBucket);
  }

  async function registerSegments(query: SegmentQuery): Promise<RegisterSegment[]> {
    if (query.meterIds.length === 0 || query.fromMs >= query.toMs) return [];
    if (query.bucket === 'hour') return hourSegments(query);
    // Whole local days (and months) come from the day view; ranges cut inside a day straight from the readings.
    if (localDays(query.fromMs, query.toMs, query.timeZone) !== undefined) return viewSegments(query);
    return segmentsOf(query, await exec(directSegmentsSql(query)));
  }

  /**
   * Hours: the whole local days of the range from the hour roll-up, the hours of a last day cut inside it
   * (an evaluation at the current hour) straight from the readings, joined the way the direct query would
   * see them: the later part's first reading per meter is compared with the earlier part's last (a
   * decrease, a rate). No hour straddles a local midnight, so no bucket is split. A range that does not
   * start at a local midnight, or holds no whole day, goes to the readings as before.
   */
  async function hourSegments(query: SegmentQuery): Promise<RegisterSegment[]> {
    const lastMidnightMs = bucketStart(query.toMs, 'day', query.timeZone);
    const days = lastMidnightMs <= query.fromMs ? undefined : localDays(query.fromMs, lastMidnightMs, query.timeZone);
    if (days === undefined) return segmentsOf(query, await exec(directSegmentsSql(query)));
    await hourRollup.refresh(days, query.timeZone);
    const whole = { ...query, toMs: lastMidnightMs };
    const [closed, today] = await Promise.all([
      exec(hourRollupSegmentsSql(whole)).then((result) => segmentsOf(whole, result)),
      lastMidnightMs < query.toMs
        ? exec(directSegmentsSql({ ...query, fromMs: lastMidnightMs })).then((result) => segmentsOf(query, result))
        : [],
    ]);
    if (today.length === 0) return closed;
    const lastOfMeter = new Map<string, RegisterSegment>();
    for (const s of closed) lastOfMeter.set(s.meterId, s);
    const joined = today.map((s, i) => {
      const first = i === 0 || today[i - 1]?.meterId !== s.meterId;
      const before = first ? lastOfMeter.get(s.meterId) : undefined;
      return before === undefined ? s : crossChecked(before, s);
    });
    return [...closed, ...joined].sort(byMeterAndBucket);
  }

  function segmentsOf(query: SegmentQuery, result: { dataset: readonly (readonly unknown[])[] }): RegisterSegment[] {
    const wanted = new Set(query.meterIds);
    const segments: RegisterSegment[] = [];
    for (const row of result.dataset) {
      const meterId = String(row[1]);
      if (!wanted.has(meterId)) continue;
      segments.push({
        meterId,
        bucketStartMs: parseTimestamp(row[0]),
        firstTsMs: parseTimestamp(row[2]),
        firstValue: Number(row[3]),
        lastTsMs: parseTimestamp(row[4]),
        lastValue: Number(row[5]),
        readings: Number(row[6]),
        decreases: Number(row[7] ?? 0),
        maxRatePerHour: row[8] === null || row[8] === undefined ? null : Number(row[8]),
      });
    }
    return segments.sort(byMeterAndBucket);
  }

  /**
   * The last reading before a time per meter is LATEST ON (QuestDB walks back
   * from the end of the range); the first at or after a time is first() over an
   * ascending scan. Each looks in one day first and over the whole window only
   * for the meters not found, so a month-long window costs a day's scan.
   */
  async function edgeReadings(query: EdgeQuery): Promise<EdgeReadings> {
    const before = new Map<string, Reading>();
    const after = new Map<string, Reading>();
    if (query.meterIds.length === 0) return { before, after };
    const wanted = new Set(query.meterIds);
    const collect = (target: Map<string, Reading>, rows: readonly (readonly unknown[])[]) => {
      for (const row of rows) {
        const meterId = String(row[0]);
        if (wanted.has(meterId) && !target.has(meterId)) target.set(meterId, questDbRowToReading(row));
      }
    };
    const missing = (found: Map<string, Reading>) => query.meterIds.filter((id) => !found.has(id));
    const beforeSql = (fromMs: number, ids: readonly string[]) =>
      `SELECT meter_id, ts, value, seq, received_at, quality FROM ${readingsTable}` +
      ` WHERE ts >= ${ts(fromMs)} AND ts < ${ts(query.beforeMs)}${meterFilter(ids)} LATEST ON ts PARTITION BY meter_id`;
    const afterSql = (toMs: number, ids: readonly string[]) =>
      `SELECT meter_id, first(ts), first(value), first(seq), first(received_at), first(quality) FROM ${readingsTable}` +
      ` WHERE ts >= ${ts(query.afterMs)} AND ts < ${ts(toMs)}${meterFilter(ids)}`;
    const shortWindow = Math.min(query.windowMs, EDGE_FIRST_WINDOW_MS);
    const [b1, a1] = await Promise.all([
      exec(beforeSql(query.beforeMs - shortWindow, query.meterIds)),
      exec(afterSql(query.afterMs + shortWindow, query.meterIds)),
    ]);
    collect(before, b1.dataset);
    collect(after, a1.dataset);
    if (shortWindow < query.windowMs) {
      const missingBefore = missing(before);
      const missingAfter = missing(after);
      const [b2, a2] = await Promise.all([
        missingBefore.length === 0 ? undefined : exec(beforeSql(query.beforeMs - query.windowMs, missingBefore)),
        missingAfter.length === 0 ? undefined : exec(afterSql(query.afterMs + query.windowMs, missingAfter)),
      ]);
      if (b2) collect(before, b2.dataset);
      if (a2) collect(after, a2.dataset);
    }
    await highestAtEdges(before);
    await highestAtEdges(after);
    return { before, after };
  }

  /**
   * LATEST ON and first() take whichever row comes first of two values stored at
   * one instant; the engine's pick is the highest (core/consumption.ts,
   * chooseAmongDuplicates). One query over the edges' instants replaces each edge
   * by the highest value stored at its (meter, ts).
   */
  async function highestAtEdges(edges: Map<string, Reading>): Promise<void> {
    const instants = [...new Set([...edges.values()].map((r) => r.tsMs))];
    // Chunked: the SQL travels in the URL (see MAX_IN_LIST_CHARS).
    for (let start = 0; start < instants.length; start += EDGE_INSTANTS_PER_QUERY) {
      const chunk = instants.slice(start, start + EDGE_INSTANTS_PER_QUERY).map((t) => `ts = ${ts(t)}`);
      const result = await exec(
        `SELECT meter_id, ts, value, seq, received_at, quality FROM ${readingsTable}` +
          ` WHERE (${chunk.join(' OR ')})${meterFilter([...edges.keys()])}`,
      );
      for (const row of result.dataset) {
        const candidate = questDbRowToReading(row);
        const current = edges.get(candidate.meterId);
        const higher = current?.tsMs === candidate.tsMs && candidate.value > current.value;
        if (higher) edges.set(candidate.meterId, candidate);
      }
    }
  }

  /**
   * The first `limit` readings of a meter in [from, to) by (ts, value). `ORDER BY ts, value LIMIT n`
   * would filter and sort every row of the range (a spill query runs to the end of the period: ~100 ms
   * per day of 10 000 meters); a LIMIT over the scan in time order stops at the n-th match instead. That
   * scan has every reading before its last instant; of that instant's values it may hold only some, so
   * when the limit is reached they are asked again at that one instant and the lowest kept.
   */
  async function readings(query: RawReadingQuery): Promise<Reading[]> {
    const columns = `SELECT meter_id, ts, value, seq, received_at, quality FROM ${readingsTable}`;
    const meter = `meter_id = ${str(query.meterId)}`;
    const scanned = (
      await exec(
        `${columns} WHERE ${meter} AND ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)} LIMIT ${limit(query.limit)}`,
      )
    ).dataset.map(questDbRowToReading);
    if (scanned.length < query.limit) return scanned.sort(byTimeThenValue);
    const lastTsMs = Math.max(...scanned.map((r) => r.tsMs));
    const atLast = (await exec(`${columns} WHERE ${meter} AND ts = ${ts(lastTsMs)}`)).dataset.map(questDbRowToReading);
    const before = scanned.filter((r) => r.tsMs < lastTsMs);
    return [...before, ...atLast].sort(byTimeThenValue).slice(0, query.limit);
  }

  /** Only the latest device timestamps: the per-meter row counts ingest's summaries add are not needed here. */
  async function meterSummaries(): Promise<Map<string, LastReading>> {
    const latest = await exec(
      `SELECT meter_id, ts, received_at FROM ${readingsTable} LATEST ON ts PARTITION BY meter_id`,
    );
    return new Map(latest.dataset.map((row) => [String(row[0]), { lastTsMs: parseTimestamp(row[1]) }]));
  }

  /**
   * Keyed aggregates over the range, all meters at once (an IN list too long for the URL is left out,
   * then filtered here). A range of whole local days of a zone whose day view exists is answered from
   * the view (the same count, latest arrival, first and last instant per meter, from day rows instead
   * of every reading), else from the readings.
   */
  async function readingFingerprints(query: FingerprintQuery): Promise<Map<string, string>> {
    const fingerprints = new Map<string, string>();
    if (query.meterIds.length === 0 || query.fromMs >= query.toMs) return fingerprints;
    const range = `WHERE ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${meterFilter(query.meterIds)}`;
    const zone = dayView.zones().find((z) => localDays(query.fromMs, query.toMs, z) !== undefined);
    const result = await exec(
      zone === undefined
        ? `SELECT meter_id, count(), max(received_at), min(ts), max(ts) FROM ${readingsTable} ${range}`
        : `SELECT meter_id, sum(n), max(max_received), min(first_ts), max(last_ts) FROM ${await dayView.current(zone)} ${range}`,
    );
    const wanted = new Set(query.meterIds);
    for (const row of result.dataset) {
      const meterId = String(row[0]);
      if (wanted.has(meterId)) fingerprints.set(meterId, row.slice(1).map(String).join('|'));
    }
    return fingerprints;
  }

  return {
    init: async () => {
      await hourRollup.init();
      for (const zone of options.viewTimeZones ?? []) await dayView.ensure(zone);
    },
    registerSegments,
    edgeReadings,
    readings,
    meterSummaries,
    readingFingerprints,
  };
}
