import { inListFilter, msToMicros, str, type QuestDbClient } from '../../src/platform/questdb/index.js';
import type { OutboxMessage } from '../core/notification-plan.js';
import type { OutboxStore, SentRecord } from '../deliver-outbox.js';
import { firstPerKey, messageToPayload, outboxTableName, payloadToMessage } from './outbox-store-rows.js';

/**
 * The alert outbox in QuestDB (production). Append-only rows (message_key, event
 * queued|sent, ts, message_id, payload) in a WAL table with DEDUP UPSERT KEYS(ts,
 * message_key, event): an exact replay collapses. A key queued again at another instant
 * (two workers racing) is a second row; `pending` takes each key's first. Writes go over
 * ILP, whose request carries a rendered message of any size (a `/exec` URL would not),
 * and wait for the WAL so that what `queue` confirmed is what `pending` reads.
 */
export interface QuestDbOutboxStoreOptions {
  /** Prepended to the table name; lets tests share one server. */
  readonly tablePrefix?: string;
}

export function createQuestDbOutboxStore(client: QuestDbClient, options: QuestDbOutboxStoreOptions = {}): OutboxStore {
  const table = outboxTableName(options.tablePrefix ?? '');
  const ilp = client.createIlpWriter();

  async function append(
    rows: readonly { key: string; event: string; atMs: number; messageId: string; payload?: string }[],
  ) {
    if (rows.length === 0) return;
    await ilp.write(async (s) => {
      for (const r of rows) {
        s.table(table)
          .symbol('event', r.event)
          .stringColumn('message_key', r.key)
          .stringColumn('message_id', r.messageId);
        if (r.payload !== undefined) s.stringColumn('payload', r.payload);
        await s.at(msToMicros(r.atMs), 'us');
      }
    });
    await client.waitForWal([table]);
  }

  async function queuedKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const wanted = new Set(keys);
    const result = await client.exec(
      `SELECT DISTINCT message_key FROM ${table} WHERE event = 'queued'${inListFilter('message_key', [...wanted])}`,
    );
    // inListFilter drops a list too long for the URL; the rows are then filtered here.
    return new Set(result.dataset.map((row) => String(row[0])).filter((k) => wanted.has(k)));
  }

  return {
    async init() {
      await client.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (message_key VARCHAR, event SYMBOL, message_id VARCHAR, payload VARCHAR,` +
          ` ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY MONTH WAL DEDUP UPSERT KEYS(ts, message_key, event)`,
      );
    },
    async queue(messages: readonly OutboxMessage[]) {
      // Keys already queued keep their first row; within the batch too.
      const already = await queuedKeys(messages.map((m) => m.key));
      const fresh = firstPerKey(messages.filter((m) => !already.has(m.key)));
      await append(
        fresh.map((m) => ({
          key: m.key,
          event: 'queued',
          atMs: m.queuedAtMs,
          messageId: m.messageId,
          payload: messageToPayload(m),
        })),
      );
    },
    markSent: (sent: readonly SentRecord[]) =>
      append(sent.map((s) => ({ key: s.key, event: 'sent', atMs: s.sentAtMs, messageId: s.messageId }))),
    queuedKeys,
    async pending() {
      const result = await client.exec(
        `SELECT q.message_key, q.payload FROM ${table} q` +
          ` LEFT JOIN (SELECT DISTINCT message_key FROM ${table} WHERE event = ${str('sent')}) s` +
          ` ON q.message_key = s.message_key WHERE q.event = ${str('queued')} AND s.message_key IS NULL ORDER BY q.ts`,
      );
      return firstPerKey(result.dataset.map((row) => payloadToMessage(row[1], String(row[0]))));
    },
    close: () => ilp.close(),
  };
}
