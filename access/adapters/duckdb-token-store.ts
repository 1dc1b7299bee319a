import { BIGINT, micros, queryRows, VARCHAR, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import type { TokenStore } from '../ports.js';
import { byTokenEventOrder, fromTokenRow, textOrNull, toTokenRow, type TokenEventRow } from './token-store-rows.js';

/**
 * The token events in DuckDB (the embedded default store): one append-only table
 * keyed on (ts, token_id, kind). An append is one committed statement, so it is
 * durable (DuckDB's WAL is written at commit) and visible when it resolves; an
 * event already stored under its key is left as it is (ON CONFLICT DO NOTHING), so
 * a retried create or revoke changes nothing. No row is ever updated or deleted: a
 * token's state is derived from its events (access/core/token-state.ts).
 */
const TOKENS_DDL = `CREATE TABLE IF NOT EXISTS access_tokens (
  ts TIMESTAMPTZ NOT NULL, token_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, actor VARCHAR NOT NULL,
  name VARCHAR, role VARCHAR, scope_org_id VARCHAR, secret_sha256 VARCHAR, expires_at TIMESTAMPTZ,
  PRIMARY KEY (ts, token_id, kind))`;
const INSERT = `INSERT INTO access_tokens
  VALUES (make_timestamptz($1), $2, $3, $4, $5, $6, $7, $8, make_timestamptz($9))
  ON CONFLICT DO NOTHING`;
const SELECT = `SELECT epoch_ms(ts) AS at_ms, token_id, kind, actor, name, role, scope_org_id, secret_sha256,
  epoch_ms(expires_at) AS expires_at_ms FROM access_tokens ORDER BY ts, token_id, kind`;

export function createDuckDbTokenStore(client: DuckDbClient): TokenStore {
  return {
    init: () =>
      client.run(async (connection) => {
        await connection.run(TOKENS_DDL);
      }),
    append(event) {
      const row = toTokenRow(event);
      return client.run(async (connection) => {
        await connection.run(
          INSERT,
          [
            micros(row.atMs),
            row.tokenId,
            row.kind,
            row.actor,
            row.name,
            row.role,
            row.scopeOrgId,
            row.secretSha256,
            row.expiresAtMs === null ? null : micros(row.expiresAtMs),
          ],
          [BIGINT, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, BIGINT],
        );
      });
    },
    events: () =>
      client.read(async (connection) => {
        const rows = await queryRows(connection, SELECT);
        return rows
          .map((r): TokenEventRow => ({
            atMs: Number(r.at_ms),
            tokenId: String(r.token_id),
            kind: String(r.kind),
            actor: String(r.actor),
            name: textOrNull(r.name),
            role: textOrNull(r.role),
            scopeOrgId: textOrNull(r.scope_org_id),
            secretSha256: textOrNull(r.secret_sha256),
            expiresAtMs: r.expires_at_ms === null || r.expires_at_ms === undefined ? null : Number(r.expires_at_ms),
          }))
          .sort(byTokenEventOrder)
          .map(fromTokenRow);
      }),
  };
}
