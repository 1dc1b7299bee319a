import { AppError } from '../../src/kernel/index.js';
import { msToMicros, parseTimestamp, str, ts, type QuestDbClient } from '../../src/platform/questdb/index.js';
import type { PeriodStore, StoredRevision } from '../ports.js';
import { leafFromRow, leavesTable, revisionFromRow, REVISION_COLUMNS, revisionsTable } from './period-store-rows.js';

/**
 * Closed revisions in QuestDB (the production store): two WAL tables with
 * their designated timestamp at the closing instant. A revision's leaves are
 * written first, then its row, each through ILP and visible before `append`
 * resolves; the leaves of a revision are those at its closing instant, so leaves
 * left behind by a close that failed half-way (a crash between the two writes)
 * are never read as another attempt's. DEDUP UPSERT KEYS make a retried write
 * land once. QuestDB has no unique key across instants: the revision number is
 * checked before writing, and close-period serialises closes of one period in
 * the process (docs/periods.md says what that leaves open across workers).
 * Text ids are VARCHAR, not SYMBOL: they are unbounded over the years.
 */
export interface QuestDbPeriodStoreOptions {
  /** Prepended to the table names; lets tests (or two environments) share one server. */
  readonly tablePrefix?: string;
}

export function createQuestDbPeriodStore(client: QuestDbClient, options: QuestDbPeriodStoreOptions = {}): PeriodStore {
  const revisions = revisionsTable(options.tablePrefix ?? '');
  const leaves = leavesTable(options.tablePrefix ?? '');
  const ilp = client.createIlpWriter();
  const select = async (orgId: string, period: string, revision?: number): Promise<StoredRevision[]> => {
    const columns = REVISION_COLUMNS.map((c) => (c === 'closed_at_ms' ? 'ts' : c)).join(', ');
    const only = revision === undefined ? '' : ` AND revision = ${integer(revision)}`;
    const result = await client.exec(
      `SELECT ${columns} FROM ${revisions} WHERE org_id = ${str(orgId)} AND period = ${str(period)}${only}` +
        ` ORDER BY revision, ts`,
    );
    const rows = result.dataset.map((row) => {
      const named = Object.fromEntries(REVISION_COLUMNS.map((c, i) => [c, row[i]]));
      return revisionFromRow({ ...named, closed_at_ms: parseTimestamp(named.closed_at_ms) } as Parameters<
        typeof revisionFromRow
      >[0]);
    });
    // A revision number stored twice (two workers at once) counts once: the first close stands.
    return rows.filter((r, i) => rows.findIndex((o) => o.revision === r.revision) === i);
  };
  return {
    async init() {
      await client.exec(
        `CREATE TABLE IF NOT EXISTS ${revisions} (ts TIMESTAMP, org_id VARCHAR, period VARCHAR, revision INT,` +
          ` digest VARCHAR, canonical_json VARCHAR, merkle_root VARCHAR, leaf_count INT, factor_entries VARCHAR,` +
          ` signature VARCHAR, root_signature VARCHAR, key_id VARCHAR, closed_by VARCHAR, justification VARCHAR,` +
          ` previous_digest VARCHAR) TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, org_id, period, revision)`,
      );
      await client.exec(
        `CREATE TABLE IF NOT EXISTS ${leaves} (ts TIMESTAMP, org_id VARCHAR, period VARCHAR, revision INT, idx INT,` +
          ` meter_id VARCHAR, day VARCHAR, leaf_json VARCHAR) TIMESTAMP(ts) PARTITION BY MONTH WAL` +
          ` DEDUP UPSERT KEYS(ts, org_id, period, revision, idx)`,
      );
    },
    async append(revision, revisionLeaves) {
      if ((await select(revision.orgId, revision.period, revision.revision)).length > 0)
        throw new AppError('PERIOD_REVISION_EXISTS', `revision ${revision.revision} is stored already`);
      const at = msToMicros(revision.closedAtMs);
      if (revisionLeaves.length > 0) {
        await ilp.write(async (s) => {
          for (const leaf of revisionLeaves) {
            s.table(leaves)
              .stringColumn('org_id', revision.orgId)
              .stringColumn('period', revision.period)
              .intColumn('revision', revision.revision)
              .intColumn('idx', leaf.index)
              .stringColumn('meter_id', leaf.meterId)
              .stringColumn('day', leaf.day)
              .stringColumn('leaf_json', leaf.leafJson);
            await s.at(at, 'us');
          }
        });
        await client.waitForWal([leaves]);
      }
      await ilp.write(async (s) => {
        s.table(revisions)
          .stringColumn('org_id', revision.orgId)
          .stringColumn('period', revision.period)
          .intColumn('revision', revision.revision)
          .stringColumn('digest', revision.digest)
          .stringColumn('canonical_json', revision.canonicalJson)
          .stringColumn('merkle_root', revision.merkleRoot)
          .intColumn('leaf_count', revision.leafCount)
          .stringColumn('factor_entries', revision.factorEntriesJson)
          .stringColumn('signature', revision.signature)
          .stringColumn('root_signature', revision.rootSignature)
          .stringColumn('key_id', revision.keyId)
          .stringColumn('closed_by', revision.closedBy);
        if (revision.justification !== null) s.stringColumn('justification', revision.justification);
        if (revision.previousDigest !== null) s.stringColumn('previous_digest', revision.previousDigest);
        await s.at(at, 'us');
      });
      await client.waitForWal([revisions]);
    },
    revisions: (orgId, period) => select(orgId, period),
    revision: async (orgId, period, n) => (await select(orgId, period, n))[0],
    async leaves(orgId, period, n) {
      const stored = (await select(orgId, period, n))[0];
      if (stored === undefined) return [];
      const result = await client.exec(
        `SELECT idx, meter_id, day, leaf_json FROM ${leaves} WHERE ts = ${ts(stored.closedAtMs)}` +
          ` AND org_id = ${str(orgId)} AND period = ${str(period)} AND revision = ${integer(n)} ORDER BY idx`,
      );
      return result.dataset.map((row) =>
        leafFromRow({ idx: row[0], meter_id: row[1], day: row[2], leaf_json: row[3] }),
      );
    },
    async latest(orgId, period) {
      const last = (await select(orgId, period)).at(-1);
      return last === undefined
        ? undefined
        : { orgId, period, revision: last.revision, digest: last.digest, closedAtMs: last.closedAtMs };
    },
    close: () => ilp.close(),
  };
}

function integer(n: number): number {
  if (!Number.isSafeInteger(n)) throw new AppError('STORE_QUERY_FAILED', `not an integer: ${n}`);
  return n;
}
