import { inListFilter, msToMicros, parseTimestamp, ts, type QuestDbClient } from '../../src/platform/questdb/index.js';
import type { AlertEventStore } from '../ports.js';
import { alertEventsTable, byEventOrder, fromRow, matches, toRow } from './alert-event-store-rows.js';

/**
 * The alert event log in QuestDB (the production store): a WAL table with its
 * designated timestamp at the event's instant and DEDUP UPSERT KEYS(ts, alert_id,
 * kind), so an event appended twice (a replayed evaluation, two workers, a
 * retried request) is stored once. alert_id is VARCHAR, not SYMBOL: ids are
 * unbounded over the years and every distinct symbol stays in memory. Rows go
 * through an ILP writer of the engine client (one request, one WAL transaction
 * per append); `append` resolves once the WAL is applied, so the events are
 * visible to the next read (docs/alerts.md).
 */
export interface QuestDbAlertEventStoreOptions {
  /** Prepended to the table name; lets tests (or two environments) share one server. */
  readonly tablePrefix?: string;
}

export interface QuestDbAlertEventStore extends AlertEventStore {
  /** Closes the ILP writer. */
  close(): Promise<void>;
}

export function createQuestDbAlertEventStore(
  client: QuestDbClient,
  options: QuestDbAlertEventStoreOptions = {},
): QuestDbAlertEventStore {
  const table = alertEventsTable(options.tablePrefix ?? '');
  const ilp = client.createIlpWriter();
  return {
    async init() {
      await client.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (ts TIMESTAMP, alert_id VARCHAR, kind SYMBOL, actor VARCHAR,` +
          ` note VARCHAR, finding VARCHAR, recipients VARCHAR) TIMESTAMP(ts) PARTITION BY MONTH WAL` +
          ` DEDUP UPSERT KEYS(ts, alert_id, kind)`,
      );
    },
    async append(events) {
      if (events.length === 0) return;
      await ilp.write(async (s) => {
        for (const row of events.map(toRow)) {
          s.table(table)
            .symbol('kind', row.kind)
            .stringColumn('alert_id', row.alertId)
            .stringColumn('actor', row.actor);
          if (row.note !== null) s.stringColumn('note', row.note);
          if (row.finding !== null) s.stringColumn('finding', row.finding);
          if (row.recipients !== null) s.stringColumn('recipients', row.recipients);
          await s.at(msToMicros(row.atMs), 'us');
        }
      });
      await client.waitForWal([table]);
    },
    async events(query) {
      const conditions: string[] = [];
      if (query.fromMs !== undefined) conditions.push(`ts >= ${ts(query.fromMs)}`);
      if (query.toMs !== undefined) conditions.push(`ts < ${ts(query.toMs)}`);
      const where = conditions.length === 0 ? 'WHERE true' : `WHERE ${conditions.join(' AND ')}`;
      const ids = query.alertIds === undefined ? undefined : new Set(query.alertIds);
      if (ids !== undefined && ids.size === 0) return [];
      // A long id list is left out of the SQL (inListFilter); `matches` drops the other alerts' rows.
      const idFilter = query.alertIds === undefined ? '' : inListFilter('alert_id', [...(ids ?? [])]);
      const result = await client.exec(
        `SELECT ts, alert_id, kind, actor, note, finding, recipients FROM ${table} ${where}${idFilter}` +
          ` ORDER BY ts, alert_id, kind`,
      );
      return result.dataset
        .map((row) =>
          fromRow({
            atMs: parseTimestamp(row[0]),
            alertId: String(row[1]),
            kind: String(row[2]),
            actor: String(row[3]),
            note: textOrNull(row[4]),
            finding: textOrNull(row[5]),
            recipients: textOrNull(row[6]),
          }),
        )
        .filter((e) => matches(query, ids, e))
        .sort(byEventOrder);
    },
    close: () => ilp.close(),
  };
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
