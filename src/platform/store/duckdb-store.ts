import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  BIGINT,
  LIST,
  listValue,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { AppError, type QuarantineRecord, type Reading, type RejectionReason } from '../../kernel/index.js';
import type { EdgeQuery, EdgeReadings, MeterSummary, QuarantineQuery, ReadingQuery, ReadingStore, RegisterSegment, SegmentBucket, SegmentQuery } from './reading-store.js';

/**
 * DuckDB, the embedded default store (DESIGN.md §5): one local file, no server.
 *
 * Timestamps are TIMESTAMPTZ (an instant, stored as UTC microseconds) so later SQL
 * aggregation can use time_bucket/date_trunc with an explicit institution time zone.
 * They are converted only through integers (make_timestamptz(µs), epoch_ms(ts)),
 * never through text, so the process and session time zones cannot shift them.
 *
 * Writes: rows go through the appender into a temp staging table, then one
 * INSERT … SELECT … ON CONFLICT DO UPDATE (last write wins, like QuestDB's DEDUP
 * UPSERT). Measured on a 2-core machine, 5 000-row batches: ~110 000 rows/s this
 * way against ~11 000 rows/s for multi-row prepared INSERTs. DuckDB refuses to
 * update one key twice in a statement, so a batch is first reduced to the last
 * row per key, which is also what QuestDB keeps.
 */
export interface DuckDbStoreOptions {
  /** Database file; ':memory:' for a throw-away store. The parent directory is created. */
  readonly path: string;
}

const READINGS_DDL = `CREATE TABLE IF NOT EXISTS readings (
  meter_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, value DOUBLE NOT NULL, seq BIGINT,
  received_at TIMESTAMPTZ NOT NULL, quality VARCHAR NOT NULL, PRIMARY KEY (meter_id, ts))`;
const QUARANTINE_DDL = `CREATE TABLE IF NOT EXISTS quarantine (
  id VARCHAR NOT NULL, received_at TIMESTAMPTZ NOT NULL, topic VARCHAR NOT NULL, meter_id VARCHAR,
  reason VARCHAR NOT NULL, detail VARCHAR NOT NULL, payload VARCHAR NOT NULL, PRIMARY KEY (received_at, id))`;
// Temp tables live per connection and vanish with it; `ord` keeps batch order for "last wins".
const STAGING_DDL = [
  `CREATE TEMP TABLE IF NOT EXISTS staging_readings (ord INTEGER, meter_id VARCHAR, ts TIMESTAMPTZ, value DOUBLE,
    seq BIGINT, received_at TIMESTAMPTZ, quality VARCHAR)`,
  `CREATE TEMP TABLE IF NOT EXISTS staging_quarantine (ord INTEGER, id VARCHAR, received_at TIMESTAMPTZ, topic VARCHAR,
    meter_id VARCHAR, reason VARCHAR, detail VARCHAR, payload VARCHAR)`,
];
const UPSERT_READINGS = `INSERT INTO readings
  SELECT meter_id, ts, value, seq, received_at, quality FROM staging_readings
  QUALIFY row_number() OVER (PARTITION BY meter_id, ts ORDER BY ord DESC) = 1
  ON CONFLICT DO UPDATE SET value = excluded.value, seq = excluded.seq, received_at = excluded.received_at, quality = excluded.quality`;
const UPSERT_QUARANTINE = `INSERT INTO quarantine
  SELECT id, received_at, topic, meter_id, reason, detail, payload FROM staging_quarantine
  QUALIFY row_number() OVER (PARTITION BY received_at, id ORDER BY ord DESC) = 1
  ON CONFLICT DO UPDATE SET topic = excluded.topic, meter_id = excluded.meter_id, reason = excluded.reason,
    detail = excluded.detail, payload = excluded.payload`;

const BUCKET_INTERVAL: Record<SegmentBucket, string> = { hour: `INTERVAL '1 hour'`, day: `INTERVAL '1 day'`, month: `INTERVAL '1 month'` };

/**
 * Register segments (see ReadingStore.registerSegments): `lag` over each meter's
 * readings in the range, then one group per (meter, local bucket). time_bucket
 * with a time zone cuts at local midnight / month start (ICU), so a Shanghai day
 * starts at 16:00Z. Rates are Δregister per hour from integer microseconds, the
 * same arithmetic as the QuestDB store.
 */
function segmentsSql(bucket: SegmentBucket): string {
  return `WITH r AS (
    SELECT meter_id, ts, value, lag(value) OVER w AS prev_value, lag(ts) OVER w AS prev_ts
    FROM readings
    WHERE list_contains($1, meter_id) AND ts >= make_timestamptz($2) AND ts < make_timestamptz($3)
    WINDOW w AS (PARTITION BY meter_id ORDER BY ts))
  SELECT meter_id, epoch_ms(time_bucket(${BUCKET_INTERVAL[bucket]}, ts, $4)) AS bucket_ms,
    epoch_ms(min(ts)) AS first_ts, arg_min(value, ts) AS first_value,
    epoch_ms(max(ts)) AS last_ts, arg_max(value, ts) AS last_value,
    count(*) AS n, count(*) FILTER (WHERE value < prev_value) AS decreases,
    max((value - prev_value) / ((epoch_us(ts) - epoch_us(prev_ts)) / 3600000000.0)) AS max_rate
  FROM r GROUP BY meter_id, bucket_ms ORDER BY meter_id, bucket_ms`;
}

function edgeSql(side: 'before' | 'after'): string {
  const [pick, at] = side === 'before' ? ['arg_max', 'max'] : ['arg_min', 'min'];
  return `SELECT meter_id, epoch_ms(${at}(ts)) AS ts_ms, ${pick}(value, ts) AS value, ${pick}(seq, ts) AS seq,
      epoch_ms(${pick}(received_at, ts)) AS received_ms, ${pick}(quality, ts) AS quality
    FROM readings WHERE list_contains($1, meter_id) AND ts >= make_timestamptz($2) AND ts < make_timestamptz($3)
    GROUP BY meter_id`;
}

export function createDuckDbStore(options: DuckDbStoreOptions): ReadingStore {
  let opened: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  let closed = false;
  // One connection, one statement sequence: a write's BEGIN … COMMIT must not
  // interleave with anything else on the connection.
  let tail: Promise<unknown> = Promise.resolve();

  function serial<T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const result = tail.then(async () => {
      if (closed) throw new AppError('STORE_UNAVAILABLE', 'the DuckDB store is closed', { retryable: false });
      opened ??= open(options.path);
      const { connection } = await opened;
      try {
        return await operation(connection);
      } catch (cause) {
        throw toAppError(cause);
      }
    });
    tail = result.catch(() => undefined);
    return result;
  }

  async function query(connection: DuckDBConnection, sql: string, values: DuckDBValue[], types: DuckDBType[]) {
    const reader = await connection.runAndReadAll(sql, values, types);
    return reader.getRowObjectsJS();
  }

  return {
    init: () =>
      serial(async (connection) => {
        await connection.run(READINGS_DDL);
        await connection.run(QUARANTINE_DDL);
      }),
    write(readings, quarantined) {
      if (readings.length === 0 && quarantined.length === 0) return Promise.resolve();
      return serial(async (connection) => {
        await connection.run('BEGIN TRANSACTION');
        try {
          if (readings.length > 0) {
            await fill(connection, 'staging_readings', readings, appendReading);
            await connection.run(UPSERT_READINGS);
            await connection.run('DELETE FROM staging_readings');
          }
          if (quarantined.length > 0) {
            await fill(connection, 'staging_quarantine', quarantined, appendQuarantine);
            await connection.run(UPSERT_QUARANTINE);
            await connection.run('DELETE FROM staging_quarantine');
          }
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },
    readings: (q: ReadingQuery) =>
      serial(async (connection) => {
        const rows = await query(
          connection,
          `SELECT meter_id, epoch_ms(ts) AS ts_ms, value, seq, epoch_ms(received_at) AS received_ms, quality FROM readings
           WHERE meter_id = $1 AND ts >= make_timestamptz($2) AND ts < make_timestamptz($3)
             AND ($4 IS NULL OR ts > make_timestamptz($4))
           ORDER BY ts LIMIT $5`,
          [q.meterId, micros(q.fromMs), micros(q.toMs), q.afterTsMs === undefined ? null : micros(q.afterTsMs), BigInt(limit(q.limit))],
          [VARCHAR, BIGINT, BIGINT, BIGINT, BIGINT],
        );
        return rows.map(rowToReading);
      }),
    quarantine: (q: QuarantineQuery) =>
      serial(async (connection) => {
        const rows = await query(
          connection,
          `SELECT id, epoch_ms(received_at) AS received_ms, topic, meter_id, reason, detail, payload FROM quarantine
           WHERE received_at >= make_timestamptz($1) AND received_at < make_timestamptz($2)
             AND ($3 IS NULL OR reason = $3)
             AND ($4 IS NULL OR received_at > make_timestamptz($4) OR (received_at = make_timestamptz($4) AND id > $5))
           ORDER BY received_at, id LIMIT $6`,
          [micros(q.fromMs), micros(q.toMs), q.reason ?? null, q.after === undefined ? null : micros(q.after.receivedAtMs), q.after?.id ?? null, BigInt(limit(q.limit))],
          [BIGINT, BIGINT, VARCHAR, BIGINT, VARCHAR, BIGINT],
        );
        return rows.map((row) => ({
          id: String(row.id),
          receivedAtMs: Number(row.received_ms),
          topic: String(row.topic),
          meterId: row.meter_id === null ? null : String(row.meter_id),
          reason: String(row.reason) as RejectionReason,
          detail: String(row.detail),
          payload: String(row.payload),
        }));
      }),
    meterSummaries: () =>
      serial(async (connection) => {
        const rows = await query(
          connection,
          `SELECT meter_id, epoch_ms(max(ts)) AS last_ts, epoch_ms(arg_max(received_at, ts)) AS last_received, count(*) AS n
           FROM readings GROUP BY meter_id`,
          [],
          [],
        );
        return new Map<string, MeterSummary>(
          rows.map((row) => [String(row.meter_id), { lastTsMs: Number(row.last_ts), lastReceivedAtMs: Number(row.last_received), readings: Number(row.n) }]),
        );
      }),
    registerSegments: (q: SegmentQuery) =>
      serial(async (connection) => {
        if (q.meterIds.length === 0 || q.fromMs >= q.toMs) return [];
        const rows = await query(
          connection,
          segmentsSql(q.bucket),
          [listValue([...q.meterIds]), micros(q.fromMs), micros(q.toMs), q.timeZone],
          [LIST(VARCHAR), BIGINT, BIGINT, VARCHAR],
        );
        return rows.map(
          (row): RegisterSegment => ({
            meterId: String(row.meter_id),
            bucketStartMs: Number(row.bucket_ms),
            firstTsMs: Number(row.first_ts),
            firstValue: Number(row.first_value),
            lastTsMs: Number(row.last_ts),
            lastValue: Number(row.last_value),
            readings: Number(row.n),
            decreases: Number(row.decreases),
            maxRatePerHour: row.max_rate === null ? null : Number(row.max_rate),
          }),
        );
      }),
    edgeReadings: (q: EdgeQuery) =>
      serial(async (connection): Promise<EdgeReadings> => {
        if (q.meterIds.length === 0) return { before: new Map(), after: new Map() };
        const ids = listValue([...q.meterIds]);
        const types = [LIST(VARCHAR), BIGINT, BIGINT];
        const before = await query(connection, edgeSql('before'), [ids, micros(q.beforeMs - q.windowMs), micros(q.beforeMs)], types);
        const after = await query(connection, edgeSql('after'), [ids, micros(q.afterMs), micros(q.afterMs + q.windowMs)], types);
        const toMap = (rows: Record<string, unknown>[]) =>
          new Map<string, Reading>(rows.map((row) => [String(row.meter_id), rowToReading(row)]));
        return { before: toMap(before), after: toMap(after) };
      }),
    counts: () =>
      serial(async (connection) => {
        const rows = await query(connection, 'SELECT (SELECT count(*) FROM readings) AS r, (SELECT count(*) FROM quarantine) AS q', [], []);
        return { readings: Number(rows[0]?.r ?? 0), quarantined: Number(rows[0]?.q ?? 0) };
      }),
    // A committed DuckDB transaction is visible at once; nothing to wait for.
    sync: () => serial(async () => undefined),
    ping: () =>
      serial(async (connection) => {
        await connection.run('SELECT 1');
      }),
    async close() {
      await tail;
      closed = true;
      if (opened === undefined) return;
      const { instance, connection } = await opened.catch(() => ({ instance: undefined, connection: undefined }));
      connection?.closeSync();
      instance?.closeSync();
    },
  };
}

async function open(path: string): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  // Pins text rendering and casts to UTC for any ad-hoc SQL; the conversions in
  // this file use integers and do not depend on it.
  await connection.run(`SET TimeZone = 'UTC'`);
  for (const ddl of STAGING_DDL) await connection.run(ddl);
  return { instance, connection };
}

async function fill<T>(connection: DuckDBConnection, table: string, rows: readonly T[], append: (a: DuckDBAppender, row: T) => void) {
  const appender = await connection.createAppender(table, 'main', 'temp');
  try {
    rows.forEach((row, ord) => {
      appender.appendInteger(ord);
      append(appender, row);
      appender.endRow();
    });
  } finally {
    appender.closeSync();
  }
}

function appendReading(a: DuckDBAppender, r: Reading): void {
  a.appendVarchar(r.meterId);
  a.appendTimestampTZ(new DuckDBTimestampTZValue(micros(r.tsMs)));
  a.appendDouble(r.value);
  if (r.seq === null) a.appendNull();
  else a.appendBigInt(BigInt(r.seq));
  a.appendTimestampTZ(new DuckDBTimestampTZValue(micros(r.receivedAtMs)));
  a.appendVarchar(r.quality);
}

function appendQuarantine(a: DuckDBAppender, q: QuarantineRecord): void {
  a.appendVarchar(q.id);
  a.appendTimestampTZ(new DuckDBTimestampTZValue(micros(q.receivedAtMs)));
  a.appendVarchar(q.topic);
  if (q.meterId === null) a.appendNull();
  else a.appendVarchar(q.meterId);
  a.appendVarchar(q.reason);
  a.appendVarchar(q.detail);
  a.appendVarchar(q.payload);
}

function micros(ms: number): bigint {
  if (!Number.isSafeInteger(ms)) throw new Error(`timestamp must be integer epoch ms, got ${ms}`);
  return BigInt(ms) * 1000n;
}

function limit(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`limit must be a non-negative integer, got ${value}`);
  return value;
}

/** DuckDB I/O failures (disk full, file locked) may pass; anything else is a query problem. */
function toAppError(cause: unknown): unknown {
  if (cause instanceof AppError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/^IO Error/i.test(message)) return new AppError('STORE_UNAVAILABLE', `DuckDB I/O failed: ${message}`, { retryable: true, cause });
  return new AppError('STORE_QUERY_FAILED', `DuckDB failed: ${message}`, { cause });
}

/** A row of `SELECT meter_id, epoch_ms(ts) AS ts_ms, value, seq, epoch_ms(received_at) AS received_ms, quality`. */
function rowToReading(row: Record<string, unknown>): Reading {
  return {
    meterId: String(row.meter_id),
    tsMs: Number(row.ts_ms),
    value: Number(row.value),
    seq: row.seq === null ? null : Number(row.seq),
    receivedAtMs: Number(row.received_ms),
    quality: String(row.quality) as Reading['quality'],
  };
}
