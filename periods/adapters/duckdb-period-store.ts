import { AppError } from '../../src/kernel/index.js';
import {
  fillTempTable,
  queryRows,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDbClient,
} from '../../src/platform/duckdb/index.js';
import type { PeriodStore, StoredLeaf, StoredRevision } from '../ports.js';
import { leafFromRow, revisionFromRow } from './period-store-rows.js';

/**
 * Closed revisions in DuckDB (the embedded default store): two append-only
 * tables, a revision per row keyed on (org, period, revision) and its leaves
 * keyed on (org, period, revision, idx). A revision and its leaves go in one
 * transaction; no row is ever updated or deleted (docs/periods.md).
 */
const REVISIONS_DDL = `CREATE TABLE IF NOT EXISTS period_revisions (
  org_id VARCHAR NOT NULL, period VARCHAR NOT NULL, revision INTEGER NOT NULL, digest VARCHAR NOT NULL,
  closed_at_ms BIGINT NOT NULL, canonical_json VARCHAR NOT NULL, merkle_root VARCHAR NOT NULL,
  leaf_count INTEGER NOT NULL, factor_entries VARCHAR NOT NULL, signature VARCHAR NOT NULL,
  root_signature VARCHAR NOT NULL, key_id VARCHAR NOT NULL, closed_by VARCHAR NOT NULL, justification VARCHAR,
  previous_digest VARCHAR, PRIMARY KEY (org_id, period, revision))`;
const LEAVES_DDL = `CREATE TABLE IF NOT EXISTS period_leaves (
  org_id VARCHAR NOT NULL, period VARCHAR NOT NULL, revision INTEGER NOT NULL, idx INTEGER NOT NULL,
  meter_id VARCHAR NOT NULL, day VARCHAR NOT NULL, leaf_json VARCHAR NOT NULL,
  PRIMARY KEY (org_id, period, revision, idx))`;
const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS staging_period_leaves (ord INTEGER, idx INTEGER,
  meter_id VARCHAR, day VARCHAR, leaf_json VARCHAR)`;

const SELECT_REVISIONS = `SELECT org_id, period, revision, digest, closed_at_ms, canonical_json, merkle_root,
  leaf_count, factor_entries, signature, root_signature, key_id, closed_by, justification, previous_digest
  FROM period_revisions`;

export function createDuckDbPeriodStore(client: DuckDbClient): PeriodStore {
  const revisionsOf = (connection: DuckDBConnection, orgId: string, period: string, revision?: number) =>
    queryRows(
      connection,
      `${SELECT_REVISIONS} WHERE org_id = $1 AND period = $2 AND ($3::INTEGER IS NULL OR revision = $3::INTEGER)
       ORDER BY revision`,
      [orgId, period, revision ?? null],
    ).then((rows) => rows.map((row) => revisionFromRow(row as Parameters<typeof revisionFromRow>[0])));
  return {
    init: () =>
      client.run(async (connection) => {
        await connection.run(REVISIONS_DDL);
        await connection.run(LEAVES_DDL);
        await connection.run(STAGING_DDL);
      }),
    append: (revision, leaves) =>
      client.run(async (connection) => {
        await connection.run(STAGING_DDL);
        await connection.run('BEGIN TRANSACTION');
        try {
          const existing = await revisionsOf(connection, revision.orgId, revision.period, revision.revision);
          if (existing.length > 0)
            throw new AppError('PERIOD_REVISION_EXISTS', `revision ${revision.revision} is stored already`);
          await insertRevision(connection, revision);
          await fillTempTable(connection, 'staging_period_leaves', leaves, appendLeaf);
          await connection.run(
            `INSERT INTO period_leaves SELECT $1, $2, $3, idx, meter_id, day, leaf_json FROM staging_period_leaves`,
            [revision.orgId, revision.period, revision.revision],
          );
          await connection.run('DELETE FROM staging_period_leaves');
          await connection.run('COMMIT');
        } catch (error) {
          await connection.run('ROLLBACK').catch(() => undefined);
          await connection.run('DELETE FROM staging_period_leaves').catch(() => undefined);
          throw error;
        }
      }),
    revisions: (orgId, period) => client.read((connection) => revisionsOf(connection, orgId, period)),
    revision: (orgId, period, n) =>
      client.read(async (connection) => (await revisionsOf(connection, orgId, period, n))[0]),
    leaves: (orgId, period, n) =>
      client.read(async (connection) => {
        const rows = await queryRows(
          connection,
          `SELECT idx, meter_id, day, leaf_json FROM period_leaves
           WHERE org_id = $1 AND period = $2 AND revision = $3 ORDER BY idx`,
          [orgId, period, n],
        );
        return rows.map((row) => leafFromRow(row as Parameters<typeof leafFromRow>[0]));
      }),
    latest: (orgId, period) =>
      client.read(async (connection) => {
        const last = (await revisionsOf(connection, orgId, period)).at(-1);
        return last === undefined
          ? undefined
          : { orgId, period, revision: last.revision, digest: last.digest, closedAtMs: last.closedAtMs };
      }),
    close: async () => undefined,
  };
}

async function insertRevision(connection: DuckDBConnection, r: StoredRevision): Promise<void> {
  await connection.run(
    `INSERT INTO period_revisions VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      r.orgId,
      r.period,
      r.revision,
      r.digest,
      BigInt(r.closedAtMs),
      r.canonicalJson,
      r.merkleRoot,
      r.leafCount,
      r.factorEntriesJson,
      r.signature,
      r.rootSignature,
      r.keyId,
      r.closedBy,
      r.justification,
      r.previousDigest,
    ],
  );
}

function appendLeaf(a: DuckDBAppender, leaf: StoredLeaf): void {
  a.appendInteger(leaf.index);
  a.appendVarchar(leaf.meterId);
  a.appendVarchar(leaf.day);
  a.appendVarchar(leaf.leafJson);
}
