import {
  inListFilter,
  limit,
  parseTimestamp,
  str,
  ts,
  type IlpLines,
  type QuestDbClient,
} from '../../src/platform/questdb/index.js';
import { groupReadingsByMeter, prefixedTableName, questDbRowToReading } from './readings-table.js';
import type { QuarantineRecord, Reading, RejectionReason } from '../../src/kernel/index.js';
import type {
  ConflictQuery,
  MeterReadingsQuery,
  MeterSummary,
  QuarantineQuery,
  ReadingQuery,
  ReadingStore,
  StoredConflict,
} from '../ports.js';

/**
 * Ingest's tables in QuestDB, the production store: `readings` (one narrow
 * table, SYMBOL meter id, designated timestamp, WAL, DEDUP UPSERT KEYS on
 * (ts, meter_id, value): an exact replay collapses, a different value for the
 * same instant is a second row, never a silent replacement) and `quarantine`.
 * Writes go through an ILP writer of the engine client (one request per
 * `write()`, one flush in flight; the writer's fast row builder, `writeLines`); reads and DDL through `/exec`.
 * Accounting reads the readings table too (accounting/adapters), so its
 * columns are a contract between the two.
 */
export interface QuestDbReadingStoreOptions {
  /** Prepended to the table names; lets tests (or two environments) share one server. */
  readonly tablePrefix?: string;
}

export function createQuestDbReadingStore(
  client: QuestDbClient,
  options: QuestDbReadingStoreOptions = {},
): ReadingStore {
  const prefix = options.tablePrefix ?? '';
  const readingsTable = prefixedTableName(prefix, 'readings');
  const quarantineTable = prefixedTableName(prefix, 'quarantine');
  const ilp = client.createIlpWriter();
  const exec = (sql: string) => client.exec(sql);

  /** One request for the batch (one WAL transaction): the readings, then the quarantine records. */
  function encode(lines: IlpLines, readings: readonly Reading[], quarantined: readonly QuarantineRecord[]) {
    for (const r of readings) {
      lines.table(readingsTable).symbol('meter_id', r.meterId).symbol('quality', r.quality).float('value', r.value);
      if (r.seq !== null) lines.int('seq', r.seq);
      lines.timestampMs('received_at', r.receivedAtMs).atMs(r.tsMs);
    }
    for (const q of quarantined) {
      lines.table(quarantineTable).symbol('reason', q.reason).string('id', q.id).string('topic', q.topic);
      if (q.meterId !== null) lines.string('meter_id', q.meterId);
      lines.string('detail', q.detail).string('payload', q.payload).atMs(q.receivedAtMs);
    }
  }

  async function readingsPage(query: ReadingQuery): Promise<Reading[]> {
    let after = '';
    if (query.afterTsMs !== undefined) {
      const at = ts(query.afterTsMs);
      after =
        query.afterValue === undefined
          ? ` AND ts > ${at}`
          : ` AND (ts > ${at} OR (ts = ${at} AND value > ${num(query.afterValue)}))`;
    }
    const result = await exec(
      `SELECT meter_id, ts, value, seq, received_at, quality FROM ${readingsTable}` +
        ` WHERE meter_id = ${str(query.meterId)} AND ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${after}` +
        ` ORDER BY ts, value LIMIT ${limit(query.limit)}`,
    );
    return result.dataset.map(questDbRowToReading);
  }

  /**
   * Several meters' readings: one scan of the range per chunk of meters (an IN list must fit the URL,
   * MAX_IN_LIST_CHARS), instead of one per meter. Rows come in ts order; grouping keeps it per meter.
   */
  async function readingsOfMeters(query: MeterReadingsQuery): Promise<Map<string, Reading[]>> {
    const byMeter = new Map<string, Reading[]>();
    if (query.meterIds.length === 0 || query.fromMs >= query.toMs) return byMeter;
    for (let start = 0; start < query.meterIds.length; start += METERS_PER_READINGS_QUERY) {
      const ids = query.meterIds.slice(start, start + METERS_PER_READINGS_QUERY);
      // An IN list too long for the URL is left out (inListFilter): the rows are then filtered here.
      const result = await exec(
        `SELECT meter_id, ts, value, seq, received_at, quality FROM ${readingsTable}` +
          ` WHERE ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${inListFilter('meter_id', ids)}` +
          ` ORDER BY ts, value`,
      );
      const rows = result.dataset.map(questDbRowToReading);
      for (const [id, list] of groupReadingsByMeter(rows, new Set(ids), query.limitPerMeter)) byMeter.set(id, list);
    }
    return byMeter;
  }

  /** Instants with more than one stored value: a window count per (meter, ts), then the rows of those instants. */
  async function conflictsPage(query: ConflictQuery): Promise<StoredConflict[]> {
    const result = await exec(
      `SELECT meter_id, ts, value FROM (SELECT meter_id, ts, value,` +
        ` count() OVER (PARTITION BY meter_id, ts) n FROM ${readingsTable}` +
        ` WHERE ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}) WHERE n > 1 ORDER BY ts, meter_id, value`,
    );
    return groupConflicts(
      result.dataset.map((row) => ({ meterId: String(row[0]), tsMs: parseTimestamp(row[1]), value: Number(row[2]) })),
      query.limit,
    );
  }

  async function quarantinePage(query: QuarantineQuery): Promise<QuarantineRecord[]> {
    const conditions = [`received_at >= ${ts(query.fromMs)}`, `received_at < ${ts(query.toMs)}`];
    if (query.reason !== undefined) conditions.push(`reason = ${str(query.reason)}`);
    if (query.after !== undefined) {
      const at = ts(query.after.receivedAtMs);
      conditions.push(`(received_at > ${at} OR (received_at = ${at} AND id > ${str(query.after.id)}))`);
    }
    const result = await exec(
      `SELECT id, received_at, topic, meter_id, reason, detail, payload FROM ${quarantineTable}` +
        ` WHERE ${conditions.join(' AND ')} ORDER BY received_at, id LIMIT ${limit(query.limit)}`,
    );
    return result.dataset.map((row) => ({
      id: String(row[0]),
      receivedAtMs: parseTimestamp(row[1]),
      topic: String(row[2]),
      meterId: row[3] === null ? null : String(row[3]),
      reason: String(row[4]) as RejectionReason,
      detail: String(row[5] ?? ''),
      payload: String(row[6] ?? ''),
    }));
  }

  async function meterSummaries(): Promise<Map<string, MeterSummary>> {
    const [latest, counts] = await Promise.all([
      exec(`SELECT meter_id, ts, received_at FROM ${readingsTable} LATEST ON ts PARTITION BY meter_id`),
      exec(`SELECT meter_id, count() FROM ${readingsTable}`),
    ]);
    const countByMeter = new Map(counts.dataset.map((row) => [String(row[0]), Number(row[1])]));
    const summaries = new Map<string, MeterSummary>();
    for (const row of latest.dataset) {
      const meterId = String(row[0]);
      summaries.set(meterId, {
        lastTsMs: parseTimestamp(row[1]),
        lastReceivedAtMs: parseTimestamp(row[2]),
        readings: countByMeter.get(meterId) ?? 0,
      });
    }
    return summaries;
  }

  return {
    async init() {
      await exec(
        `CREATE TABLE IF NOT EXISTS ${readingsTable} (meter_id SYMBOL CAPACITY 16384 CACHE, ts TIMESTAMP,` +
          ` value DOUBLE, seq LONG, received_at TIMESTAMP, quality SYMBOL) TIMESTAMP(ts) PARTITION BY DAY WAL` +
          ` DEDUP UPSERT KEYS(ts, meter_id, value)`,
      );
      // Tables created by an earlier version keyed on (ts, meter_id) only, so a rewrite replaced
      // the stored value. Re-declaring the keys leaves existing rows as they are; it is done only
      // when `value` is not a key yet, because each ALTER is a WAL transaction of its own.
      const columns = await exec(`SELECT "column", upsertKey FROM table_columns('${readingsTable}')`);
      const valueIsKey = columns.dataset.some((row) => row[0] === 'value' && row[1] === true);
      if (!valueIsKey) await exec(`ALTER TABLE ${readingsTable} DEDUP ENABLE UPSERT KEYS(ts, meter_id, value)`);
      // id and meter_id are VARCHAR, not SYMBOL: they are unbounded (a quarantined
      // meter id may be garbage), and every distinct symbol lives in memory forever.
      await exec(
        `CREATE TABLE IF NOT EXISTS ${quarantineTable} (id VARCHAR, received_at TIMESTAMP, topic VARCHAR,` +
          ` meter_id VARCHAR, reason SYMBOL, detail VARCHAR, payload VARCHAR) TIMESTAMP(received_at)` +
          ` PARTITION BY DAY WAL DEDUP UPSERT KEYS(received_at, id)`,
      );
    },
    write(readings, quarantined) {
      if (readings.length === 0 && quarantined.length === 0) return Promise.resolve();
      return ilp.writeLines((lines) => encode(lines, readings, quarantined));
    },
    readings: readingsPage,
    readingsOfMeters,
    quarantine: quarantinePage,
    conflicts: conflictsPage,
    meterSummaries,
    async counts() {
      const [r, q] = await Promise.all([
        exec(`SELECT count() FROM ${readingsTable}`),
        exec(`SELECT count() FROM ${quarantineTable}`),
      ]);
      return { readings: Number(r.dataset[0]?.[0] ?? 0), quarantined: Number(q.dataset[0]?.[0] ?? 0) };
    },
    sync: () => client.waitForWal([readingsTable, quarantineTable]),
    ping: () => client.ping(),
    close: () => ilp.close(),
  };
}

/** Meters per query of `readingsOfMeters` (an IN list of this many typical ids fits MAX_IN_LIST_CHARS). */
const METERS_PER_READINGS_QUERY = 400;

/** A finite double as a SQL literal that reads back as the same double (shortest round-trip form). */
function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/** Rows ordered by (tsMs, meterId, value) grouped into conflicts, at most `max` of them. */
function groupConflicts(
  rows: readonly { meterId: string; tsMs: number; value: number }[],
  max: number,
): StoredConflict[] {
  const out: { meterId: string; tsMs: number; values: number[] }[] = [];
  for (const row of rows) {
    const last = out.at(-1);
    if (last !== undefined && last.meterId === row.meterId && last.tsMs === row.tsMs) last.values.push(row.value);
    else if (out.length < max) out.push({ meterId: row.meterId, tsMs: row.tsMs, values: [row.value] });
    else break;
  }
  return out;
}
