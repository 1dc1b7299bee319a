import { inListFilter, msToMicros, parseTimestamp, str, type QuestDbClient } from '../../src/platform/questdb/index.js';
import type { ReviewStore } from '../review-ports.js';
import { byStepOrder, fromRow, matches, reviewsTable, textOrNull, toRow } from './review-store-rows.js';

/**
 * The review steps in QuestDB (the production store): a WAL table,
 * period_reviews, with its designated timestamp at the step's instant and DEDUP
 * UPSERT KEYS(ts, org_id, period, actor), so a step appended twice (a retried
 * request) is stored once; two callers at the same instant are two rows. org_id and reviewer_org_id are VARCHAR like the alert ids;
 * the period, step, level and acted_as are SYMBOLs (few distinct values).
 * `append` resolves once the WAL is applied, so the step is visible to the
 * next read, which the use case relies on to see whether its step took effect.
 */
export interface QuestDbReviewStoreOptions {
  /** Prepended to the table name; lets tests (or two environments) share one server. */
  readonly tablePrefix?: string;
}

export interface QuestDbReviewStore extends ReviewStore {
  /** Closes the ILP writer. */
  close(): Promise<void>;
}

export function createQuestDbReviewStore(
  client: QuestDbClient,
  options: QuestDbReviewStoreOptions = {},
): QuestDbReviewStore {
  const table = reviewsTable(options.tablePrefix ?? '');
  const ilp = client.createIlpWriter();
  return {
    async init() {
      await client.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (ts TIMESTAMP, org_id VARCHAR, period SYMBOL, step SYMBOL,` +
          ` level SYMBOL, reviewer_org_id VARCHAR, revision LONG, digest VARCHAR, actor VARCHAR,` +
          ` acted_as SYMBOL, reason VARCHAR) TIMESTAMP(ts) PARTITION BY YEAR WAL` +
          ` DEDUP UPSERT KEYS(ts, org_id, period, actor)`,
      );
    },
    async append(steps) {
      if (steps.length === 0) return;
      await ilp.write(async (s) => {
        for (const row of steps.map(toRow)) {
          s.table(table)
            .symbol('period', row.period)
            .symbol('step', row.step)
            .symbol('level', row.level)
            .symbol('acted_as', row.actedAs)
            .stringColumn('org_id', row.orgId)
            .stringColumn('reviewer_org_id', row.reviewerOrgId)
            .intColumn('revision', row.revision)
            .stringColumn('digest', row.digest)
            .stringColumn('actor', row.actor);
          if (row.reason !== null) s.stringColumn('reason', row.reason);
          await s.at(msToMicros(row.atMs), 'us');
        }
      });
      await client.waitForWal([table]);
    },
    async steps(query) {
      const ids = query.orgIds === undefined ? undefined : new Set(query.orgIds);
      if (ids !== undefined && ids.size === 0) return [];
      // A long id list is left out of the SQL (inListFilter); `matches` drops the other institutions' rows.
      const idFilter = ids === undefined ? '' : inListFilter('org_id', [...ids]);
      const result = await client.exec(
        `SELECT ts, org_id, period, step, level, reviewer_org_id, revision, digest, actor, acted_as, reason` +
          ` FROM ${table} WHERE period = ${str(query.period)}${idFilter} ORDER BY ts, org_id, period, actor`,
      );
      return result.dataset
        .map((row) =>
          fromRow({
            atMs: parseTimestamp(row[0]),
            orgId: String(row[1]),
            period: String(row[2]),
            step: String(row[3]),
            level: String(row[4]),
            reviewerOrgId: String(row[5]),
            revision: Number(row[6]),
            digest: String(row[7]),
            actor: String(row[8]),
            actedAs: String(row[9]),
            reason: textOrNull(row[10]),
          }),
        )
        .filter((s) => matches(query, ids, s))
        .sort(byStepOrder);
    },
    close: () => ilp.close(),
  };
}
