import { AppError } from '../../src/kernel/index.js';
import type { PeriodStore, StoredLeaf, StoredRevision } from '../ports.js';

/** Revisions in memory: the contract's reference, and a store for tests that need no engine. */
export function createMemoryPeriodStore(): PeriodStore {
  const revisions = new Map<string, StoredRevision[]>();
  const leaves = new Map<string, readonly StoredLeaf[]>();
  const key = (orgId: string, period: string) => JSON.stringify([orgId, period]);
  const list = (orgId: string, period: string) => revisions.get(key(orgId, period)) ?? [];
  return {
    init: async () => undefined,
    async append(revision, revisionLeaves) {
      const existing = list(revision.orgId, revision.period);
      if (existing.some((r) => r.revision === revision.revision))
        throw new AppError('PERIOD_REVISION_EXISTS', `revision ${revision.revision} is stored already`);
      revisions.set(
        key(revision.orgId, revision.period),
        [...existing, { ...revision }].sort((a, b) => a.revision - b.revision),
      );
      leaves.set(
        key(revision.orgId, `${revision.period}#${revision.revision}`),
        revisionLeaves.map((l) => ({ ...l })).sort((a, b) => a.index - b.index),
      );
    },
    revisions: async (orgId, period) => [...list(orgId, period)],
    revision: async (orgId, period, n) => list(orgId, period).find((r) => r.revision === n),
    leaves: async (orgId, period, n) => [...(leaves.get(key(orgId, `${period}#${n}`)) ?? [])],
    async latest(orgId, period) {
      const last = list(orgId, period).at(-1);
      return last === undefined
        ? undefined
        : { orgId, period, revision: last.revision, digest: last.digest, closedAtMs: last.closedAtMs };
    },
    close: async () => undefined,
  };
}
