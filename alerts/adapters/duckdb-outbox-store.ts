import {
  BIGINT,
  LIST,
  listValue,
  micros,
  queryRows,
  VARCHAR,
  type DuckDbClient,
} from '../../src/platform/duckdb/index.js';
import type { OutboxStore } from '../deliver-outbox.js';
import { firstPerKey, messageToPayload, OUTBOX_TABLE, payloadToMessage } from './outbox-store-rows.js';

/**
 * The alert outbox in DuckDB (the embedded default). Append-only: `queued` and `sent`
 * rows keyed on (message_key, event), so a repeated append is a no-op (ON CONFLICT DO
 * NOTHING) and the first row of a key stands. Each call is one transaction: a row that
 * was confirmed survives a killed process (DuckDB's WAL is written at commit).
 */
const OUTBOX_DDL = `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (
  message_key VARCHAR NOT NULL, event VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL, message_id VARCHAR NOT NULL,
  payload VARCHAR, PRIMARY KEY (message_key, event))`;
const INSERT = `INSERT INTO ${OUTBOX_TABLE} VALUES ($1, $2, make_timestamptz($3), $4, $5) ON CONFLICT DO NOTHING`;

export function createDuckDbOutboxStore(client: DuckDbClient): OutboxStore {
  async function append(
    rows: readonly { key: string; event: string; atMs: number; messageId: string; payload: string | null }[],
  ) {
    if (rows.length === 0) return;
    await client.run(async (connection) => {
      await connection.run('BEGIN TRANSACTION');
      try {
        for (const r of rows) {
          await connection.run(
            INSERT,
            [r.key, r.event, micros(r.atMs), r.messageId, r.payload],
            [VARCHAR, VARCHAR, BIGINT, VARCHAR, VARCHAR],
          );
        }
        await connection.run('COMMIT');
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  return {
    init: () =>
      client.run(async (connection) => {
        await connection.run(OUTBOX_DDL);
      }),
    queue: (messages) =>
      append(
        messages.map((m) => ({
          key: m.key,
          event: 'queued',
          atMs: m.queuedAtMs,
          messageId: m.messageId,
          payload: messageToPayload(m),
        })),
      ),
    markSent: (sent) =>
      append(sent.map((s) => ({ key: s.key, event: 'sent', atMs: s.sentAtMs, messageId: s.messageId, payload: null }))),
    async queuedKeys(keys) {
      if (keys.length === 0) return new Set();
      const rows = await client.run((connection) =>
        queryRows(
          connection,
          `SELECT DISTINCT o.message_key FROM ${OUTBOX_TABLE} o JOIN (SELECT unnest($1) AS k) w
             ON o.message_key = w.k WHERE o.event = 'queued'`,
          [listValue([...keys])],
          [LIST(VARCHAR)],
        ),
      );
      return new Set(rows.map((r) => String(r.message_key)));
    },
    async pending() {
      const rows = await client.run((connection) =>
        queryRows(
          connection,
          `SELECT q.message_key, q.payload FROM ${OUTBOX_TABLE} q
           WHERE q.event = 'queued' AND NOT EXISTS (
             SELECT 1 FROM ${OUTBOX_TABLE} s WHERE s.event = 'sent' AND s.message_key = q.message_key)
           ORDER BY q.ts, q.message_key`,
        ),
      );
      return firstPerKey(rows.map((r) => payloadToMessage(r.payload, String(r.message_key))));
    },
    // The DuckDB client is its owner's to close; the store holds nothing else.
    close: () => Promise.resolve(),
  };
}
