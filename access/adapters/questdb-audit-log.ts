import {
  limit as sqlLimit,
  msToMicros,
  parseTimestamp,
  str,
  ts,
  type QuestDbClient,
} from '../../src/platform/questdb/index.js';
import type { AuditLog } from '../ports.js';
import { auditLimit, auditTable, fromAuditRow, toAuditRow } from './audit-log-rows.js';

/**
 * The audit log in QuestDB (the production store): a WAL table with its
 * designated timestamp at the entry's instant, monthly partitions, and no DEDUP
 * keys, since equal entries are separate facts (audit-log-rows.ts). An append is
 * one ILP request (one WAL transaction: all its entries or none); it resolves once
 * the WAL is applied, so the entries are visible to the next `entries`. QuestDB
 * keeps rows of one timestamp in the order written, also when a later batch lands
 * among earlier rows (out of order); the contract suite holds it to that, and that
 * is the order `entries` gives, by the designated timestamp alone. action,
 * role and outcome are SYMBOLs (a small, closed vocabulary); actor and target are
 * VARCHAR, unbounded over the years.
 */
export interface QuestDbAuditLogOptions {
  /** Prepended to the table name; lets tests (or two environments) share one server. */
  readonly tablePrefix?: string;
}

export interface QuestDbAuditLog extends AuditLog {
  /** Closes the ILP writer. */
  close(): Promise<void>;
}

export function createQuestDbAuditLog(client: QuestDbClient, options: QuestDbAuditLogOptions = {}): QuestDbAuditLog {
  const table = auditTable(options.tablePrefix ?? '');
  const ilp = client.createIlpWriter();
  return {
    async init() {
      await client.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (ts TIMESTAMP, actor VARCHAR, role SYMBOL, action SYMBOL,` +
          ` target VARCHAR, outcome SYMBOL, detail VARCHAR) TIMESTAMP(ts) PARTITION BY MONTH WAL`,
      );
    },
    async append(entries) {
      if (entries.length === 0) return;
      await ilp.write(async (s) => {
        for (const row of entries.map(toAuditRow)) {
          s.table(table);
          if (row.role !== null) s.symbol('role', row.role);
          s.symbol('action', row.action)
            .symbol('outcome', row.outcome)
            .stringColumn('actor', row.actor)
            .stringColumn('target', row.target)
            .stringColumn('detail', row.detail);
          await s.at(msToMicros(row.atMs), 'us');
        }
      });
      await client.waitForWal([table]);
    },
    async entries(query) {
      const limit = auditLimit(query);
      if (limit === 0) return [];
      const conditions: string[] = [];
      if (query.fromMs !== undefined) conditions.push(`ts >= ${ts(query.fromMs)}`);
      if (query.toMs !== undefined) conditions.push(`ts < ${ts(query.toMs)}`);
      if (query.actor !== undefined) conditions.push(`actor = ${str(query.actor)}`);
      if (query.action !== undefined) conditions.push(`action = ${str(query.action)}`);
      const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
      const result = await client.exec(
        `SELECT ts, actor, role, action, target, outcome, detail FROM ${table}${where}` +
          ` ORDER BY ts LIMIT ${sqlLimit(limit)}`,
      );
      return result.dataset.map((r) =>
        fromAuditRow({
          atMs: parseTimestamp(r[0]),
          actor: String(r[1]),
          role: r[2] === null || r[2] === undefined ? null : String(r[2]),
          action: String(r[3]),
          target: String(r[4] ?? ''),
          outcome: String(r[5]),
          detail: String(r[6]),
        }),
      );
    },
    close: () => ilp.close(),
  };
}
