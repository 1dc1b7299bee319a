import {
  BIGINT,
  DuckDBTimestampTZValue,
  micros,
  queryRows,
  VARCHAR,
  type DuckDbClient,
} from '../../src/platform/duckdb/index.js';
import type { AuditLog } from '../ports.js';
import { auditLimit, fromAuditRow, toAuditRow } from './audit-log-rows.js';

/**
 * The audit log in DuckDB (the embedded default store): one append-only table,
 * no key (equal entries are separate facts, audit-log-rows.ts). An append is one
 * transaction through the appender: all its entries or none, durable and visible
 * when it resolves. No row is ever updated or deleted. `seq` numbers the entries
 * in the order appended, so that entries of one instant read back in that order
 * (DuckDB promises no row order of its own); one process holds the file, and the
 * client runs one operation at a time, so the next number is the largest plus one.
 */
const AUDIT_DDL = `CREATE TABLE IF NOT EXISTS audit_log (
  seq BIGINT NOT NULL, ts TIMESTAMPTZ NOT NULL, actor VARCHAR NOT NULL, role VARCHAR, action VARCHAR NOT NULL,
  target VARCHAR NOT NULL, outcome VARCHAR NOT NULL, detail VARCHAR NOT NULL)`;
const SELECT = `SELECT epoch_ms(ts) AS at_ms, actor, role, action, target, outcome, detail FROM audit_log
  WHERE ($1 IS NULL OR ts >= make_timestamptz($1)) AND ($2 IS NULL OR ts < make_timestamptz($2))
    AND ($3 IS NULL OR actor = $3) AND ($4 IS NULL OR action = $4)
  ORDER BY ts, seq LIMIT $5`;

export function createDuckDbAuditLog(client: DuckDbClient): AuditLog {
  return {
    init: () =>
      client.run(async (connection) => {
        await connection.run(AUDIT_DDL);
      }),
    append(entries) {
      if (entries.length === 0) return Promise.resolve();
      const rows = entries.map(toAuditRow);
      return client.run(async (connection) => {
        await connection.run('BEGIN TRANSACTION');
        try {
          const [last] = await queryRows(connection, 'SELECT coalesce(max(seq), 0) AS seq FROM audit_log');
          let seq = BigInt(String(last?.seq ?? 0));
          const appender = await connection.createAppender('audit_log');
          try {
            for (const row of rows) {
              seq += 1n;
              appender.appendBigInt(seq);
              appender.appendTimestampTZ(new DuckDBTimestampTZValue(micros(row.atMs)));
              appender.appendVarchar(row.actor);
              if (row.role === null) appender.appendNull();
              else appender.appendVarchar(row.role);
              appender.appendVarchar(row.action);
              appender.appendVarchar(row.target);
              appender.appendVarchar(row.outcome);
              appender.appendVarchar(row.detail);
              appender.endRow();
            }
          } finally {
            appender.closeSync();
          }
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },
    async entries(query) {
      const limit = auditLimit(query);
      return await client.read(async (connection) => {
        const rows = await queryRows(
          connection,
          SELECT,
          [
            query.fromMs === undefined ? null : micros(query.fromMs),
            query.toMs === undefined ? null : micros(query.toMs),
            query.actor ?? null,
            query.action ?? null,
            BigInt(limit),
          ],
          [BIGINT, BIGINT, VARCHAR, VARCHAR, BIGINT],
        );
        return rows.map((r) =>
          fromAuditRow({
            atMs: Number(r.at_ms),
            actor: String(r.actor),
            role: r.role === null || r.role === undefined ? null : String(r.role),
            action: String(r.action),
            target: String(r.target),
            outcome: String(r.outcome),
            detail: String(r.detail),
          }),
        );
      });
    },
  };
}
