import {
  BIGINT,
  DuckDBTimestampTZValue,
  fillTempTable,
  LIST,
  listValue,
  micros,
  queryRows,
  VARCHAR,
  type DuckDBAppender,
  type DuckDbClient,
} from '../../src/platform/duckdb/index.js';
import type { AlertEventStore } from '../ports.js';
import { fromRow, toRow, type AlertEventRow } from './alert-event-store-rows.js';

/**
 * The alert event log in DuckDB (the embedded default store): one append-only
 * table keyed on (ts, alert_id, kind). An append is one transaction; an event
 * already stored under its key is left as it is (INSERT … ON CONFLICT DO NOTHING),
 * so a replayed evaluation or a retried request changes nothing. No row is ever
 * updated or deleted: the alert's state is derived from its events (docs/alerts.md).
 */
const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS alert_events (
  ts TIMESTAMPTZ NOT NULL, alert_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, actor VARCHAR NOT NULL,
  note VARCHAR, finding VARCHAR, recipients VARCHAR, PRIMARY KEY (ts, alert_id, kind))`;
const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS staging_alert_events (ord INTEGER, ts TIMESTAMPTZ,
  alert_id VARCHAR, kind VARCHAR, actor VARCHAR, note VARCHAR, finding VARCHAR, recipients VARCHAR)`;
// The first of a batch's copies of one key stands, as the first stored copy does.
const INSERT_EVENTS = `INSERT INTO alert_events
  SELECT ts, alert_id, kind, actor, note, finding, recipients FROM staging_alert_events
  QUALIFY row_number() OVER (PARTITION BY ts, alert_id, kind ORDER BY ord) = 1
  ON CONFLICT DO NOTHING`;

export function createDuckDbAlertEventStore(client: DuckDbClient): AlertEventStore {
  return {
    init: () =>
      client.run(async (connection) => {
        await connection.run(EVENTS_DDL);
        await connection.run(STAGING_DDL);
      }),
    append(events) {
      if (events.length === 0) return Promise.resolve();
      return client.run(async (connection) => {
        await connection.run(STAGING_DDL);
        await connection.run('BEGIN TRANSACTION');
        try {
          await fillTempTable(connection, 'staging_alert_events', events.map(toRow), appendRow);
          await connection.run(INSERT_EVENTS);
          await connection.run('DELETE FROM staging_alert_events');
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },
    events: (query) =>
      client.run(async (connection) => {
        const rows = await queryRows(
          connection,
          `SELECT epoch_ms(ts) AS at_ms, alert_id, kind, actor, note, finding, recipients FROM alert_events
           WHERE ($1 IS NULL OR ts >= make_timestamptz($1)) AND ($2 IS NULL OR ts < make_timestamptz($2))
             AND ($3 IS NULL OR list_contains($3, alert_id))
           ORDER BY ts, alert_id, kind`,
          [
            query.fromMs === undefined ? null : micros(query.fromMs),
            query.toMs === undefined ? null : micros(query.toMs),
            query.alertIds === undefined ? null : listValue([...query.alertIds]),
          ],
          [BIGINT, BIGINT, LIST(VARCHAR)],
        );
        return rows.map((row) =>
          fromRow({
            atMs: Number(row.at_ms),
            alertId: String(row.alert_id),
            kind: String(row.kind),
            actor: String(row.actor),
            note: textOrNull(row.note),
            finding: textOrNull(row.finding),
            recipients: textOrNull(row.recipients),
          }),
        );
      }),
  };
}

function appendRow(a: DuckDBAppender, row: AlertEventRow): void {
  a.appendTimestampTZ(new DuckDBTimestampTZValue(micros(row.atMs)));
  a.appendVarchar(row.alertId);
  a.appendVarchar(row.kind);
  a.appendVarchar(row.actor);
  for (const text of [row.note, row.finding, row.recipients]) {
    if (text === null) a.appendNull();
    else a.appendVarchar(text);
  }
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
