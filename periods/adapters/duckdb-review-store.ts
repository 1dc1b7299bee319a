import {
  DuckDBTimestampTZValue,
  fillTempTable,
  LIST,
  listValue,
  queryRows,
  VARCHAR,
  micros,
  type DuckDBAppender,
  type DuckDbClient,
} from '../../src/platform/duckdb/index.js';
import type { ReviewStore } from '../review-ports.js';
import { fromRow, textOrNull, toRow, type ReviewStepRow } from './review-store-rows.js';

/**
 * The review steps in DuckDB (the embedded default store): one append-only
 * table, period_reviews, keyed on (ts, org_id, period, actor). An append is one
 * transaction; a step already stored under its key is left as it is (INSERT …
 * ON CONFLICT DO NOTHING), so a retried request changes nothing. No row is ever
 * updated or deleted: the status is derived from the steps (docs/periods.md, "Review up the tree").
 */
const REVIEWS_DDL = `CREATE TABLE IF NOT EXISTS period_reviews (
  ts TIMESTAMPTZ NOT NULL, org_id VARCHAR NOT NULL, period VARCHAR NOT NULL, step VARCHAR NOT NULL,
  level VARCHAR NOT NULL, reviewer_org_id VARCHAR NOT NULL, revision BIGINT NOT NULL, digest VARCHAR NOT NULL,
  actor VARCHAR NOT NULL, acted_as VARCHAR NOT NULL, reason VARCHAR, PRIMARY KEY (ts, org_id, period, actor))`;
const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS staging_period_reviews (ord INTEGER, ts TIMESTAMPTZ,
  org_id VARCHAR, period VARCHAR, step VARCHAR, level VARCHAR, reviewer_org_id VARCHAR, revision BIGINT,
  digest VARCHAR, actor VARCHAR, acted_as VARCHAR, reason VARCHAR)`;
const COLUMNS = 'ts, org_id, period, step, level, reviewer_org_id, revision, digest, actor, acted_as, reason';
// The first of a batch's copies of one key stands, as the first stored copy does.
const INSERT_STEPS = `INSERT INTO period_reviews SELECT ${COLUMNS} FROM staging_period_reviews
  QUALIFY row_number() OVER (PARTITION BY ts, org_id, period, actor ORDER BY ord) = 1
  ON CONFLICT DO NOTHING`;

export function createDuckDbReviewStore(client: DuckDbClient): ReviewStore {
  return {
    init: () =>
      client.run(async (connection) => {
        await connection.run(REVIEWS_DDL);
        await connection.run(STAGING_DDL);
      }),
    append(steps) {
      if (steps.length === 0) return Promise.resolve();
      return client.run(async (connection) => {
        await connection.run(STAGING_DDL);
        await connection.run('BEGIN TRANSACTION');
        try {
          await fillTempTable(connection, 'staging_period_reviews', steps.map(toRow), appendRow);
          await connection.run(INSERT_STEPS);
          await connection.run('DELETE FROM staging_period_reviews');
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },
    // On the writer's connection, not a read one: a step's check that it took effect (periods/review-period.ts
    // reads after its append) must see every append queued before it, as the one sequence of operations gives.
    steps: (query) =>
      client.run(async (connection) => {
        const rows = await queryRows(
          connection,
          `SELECT epoch_ms(ts) AS at_ms, org_id, period, step, level, reviewer_org_id, revision, digest, actor,
             acted_as, reason FROM period_reviews
           WHERE period = $1 AND ($2 IS NULL OR list_contains($2, org_id))
           ORDER BY ts, org_id, period, actor`,
          [query.period, query.orgIds === undefined ? null : listValue([...query.orgIds])],
          [VARCHAR, LIST(VARCHAR)],
        );
        return rows.map((row) =>
          fromRow({
            atMs: Number(row.at_ms),
            orgId: String(row.org_id),
            period: String(row.period),
            step: String(row.step),
            level: String(row.level),
            reviewerOrgId: String(row.reviewer_org_id),
            revision: Number(row.revision),
            digest: String(row.digest),
            actor: String(row.actor),
            actedAs: String(row.acted_as),
            reason: textOrNull(row.reason),
          }),
        );
      }),
  };
}

function appendRow(a: DuckDBAppender, row: ReviewStepRow): void {
  a.appendTimestampTZ(new DuckDBTimestampTZValue(micros(row.atMs)));
  for (const text of [row.orgId, row.period, row.step, row.level, row.reviewerOrgId]) a.appendVarchar(text);
  a.appendBigInt(BigInt(row.revision));
  for (const text of [row.digest, row.actor, row.actedAs]) a.appendVarchar(text);
  if (row.reason === null) a.appendNull();
  else a.appendVarchar(row.reason);
}
