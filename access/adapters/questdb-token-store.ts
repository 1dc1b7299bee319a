import { msToMicros, parseTimestamp, type QuestDbClient } from '../../src/platform/questdb/index.js';
import type { TokenStore } from '../ports.js';
import { byTokenEventOrder, fromTokenRow, textOrNull, tokensTable, toTokenRow } from './token-store-rows.js';

/**
 * The token events in QuestDB (the production store): a WAL table with its
 * designated timestamp at the event's instant and DEDUP UPSERT KEYS(ts, token_id,
 * kind), so an event appended twice (a retried create or revoke) is stored once.
 * Rows go through an ILP writer of the engine client; `append` resolves once the
 * WAL is applied, so the event is visible to the next `events` (and to the next
 * request's token check). A fleet has tens of tokens: one yearly partition.
 */
export interface QuestDbTokenStoreOptions {
  /** Prepended to the table name; lets tests (or two environments) share one server. */
  readonly tablePrefix?: string;
}

export interface QuestDbTokenStore extends TokenStore {
  /** Closes the ILP writer. */
  close(): Promise<void>;
}

export function createQuestDbTokenStore(
  client: QuestDbClient,
  options: QuestDbTokenStoreOptions = {},
): QuestDbTokenStore {
  const table = tokensTable(options.tablePrefix ?? '');
  const ilp = client.createIlpWriter();
  return {
    async init() {
      await client.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (ts TIMESTAMP, token_id VARCHAR, kind SYMBOL, actor VARCHAR,` +
          ` name VARCHAR, role SYMBOL, scope_org_id VARCHAR, secret_sha256 VARCHAR, expires_at TIMESTAMP)` +
          ` TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, token_id, kind)`,
      );
    },
    async append(event) {
      const row = toTokenRow(event);
      await ilp.write(async (s) => {
        s.table(table).symbol('kind', row.kind);
        if (row.role !== null) s.symbol('role', row.role);
        s.stringColumn('token_id', row.tokenId).stringColumn('actor', row.actor);
        if (row.name !== null) s.stringColumn('name', row.name);
        if (row.scopeOrgId !== null) s.stringColumn('scope_org_id', row.scopeOrgId);
        if (row.secretSha256 !== null) s.stringColumn('secret_sha256', row.secretSha256);
        if (row.expiresAtMs !== null) s.timestampColumn('expires_at', msToMicros(row.expiresAtMs), 'us');
        await s.at(msToMicros(row.atMs), 'us');
      });
      await client.waitForWal([table]);
    },
    async events() {
      const result = await client.exec(
        `SELECT ts, token_id, kind, actor, name, role, scope_org_id, secret_sha256, expires_at FROM ${table}` +
          ` ORDER BY ts, token_id, kind`,
      );
      return result.dataset
        .map((r) => ({
          atMs: parseTimestamp(r[0]),
          tokenId: String(r[1]),
          kind: String(r[2]),
          actor: String(r[3]),
          name: textOrNull(r[4]),
          role: textOrNull(r[5]),
          scopeOrgId: textOrNull(r[6]),
          secretSha256: textOrNull(r[7]),
          expiresAtMs: r[8] === null || r[8] === undefined ? null : parseTimestamp(r[8]),
        }))
        .sort(byTokenEventOrder)
        .map(fromTokenRow);
    },
    close: () => ilp.close(),
  };
}
