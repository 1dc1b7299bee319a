import { AppError } from '../src/kernel/index.js';
import {
  countStatuses,
  deriveReviewStatus,
  type ReviewStatus,
  type ReviewStatusKind,
  type ReviewStep,
} from './core/review-state.js';
import type { ReviewTree } from './core/review-tree.js';
import type { ClosedRevisions } from './ports.js';
import { checkPeriod } from './review-period.js';
import type { ReviewStore } from './review-ports.js';

/**
 * The review's status across a subtree for one period (docs/periods.md, "Review up the tree"): per
 * institution its status, who it awaits, the last step and the revision and
 * digest submitted, with the latest closed revision beside it; and the counts
 * per status, so a county sees at a glance who is late (not submitted, returned).
 */
export interface ReviewStatusQuery {
  /** An org unit or an institution: the institutions at or under it. */
  readonly orgId: string;
  readonly period: string;
}

export interface ReviewStatusItem extends ReviewStatus {
  /** The newest closed revision of the institution's period; undefined while it is not closed. */
  readonly latestClosedRevision: number | undefined;
}

export interface ReviewStatusReport {
  readonly orgId: string;
  readonly period: string;
  readonly counts: Readonly<Record<ReviewStatusKind, number>>;
  /** In fleet order. */
  readonly items: readonly ReviewStatusItem[];
}

export type ReviewStatusList = (query: ReviewStatusQuery) => Promise<ReviewStatusReport>;

export interface ReviewStatusDeps {
  readonly store: ReviewStore;
  readonly closed: ClosedRevisions;
  readonly tree: ReviewTree;
}

export function createReviewStatusList(deps: ReviewStatusDeps): ReviewStatusList {
  return async ({ orgId, period }) => {
    const institutionIds = deps.tree.institutionsUnder(orgId);
    if (institutionIds === undefined) throw new AppError('ORG_NOT_FOUND', `no org unit or institution ${orgId}`);
    checkPeriod(period);
    const steps = await deps.store.steps({ period, orgIds: institutionIds });
    const byInstitution = new Map<string, ReviewStep[]>();
    for (const s of steps) byInstitution.set(s.orgId, [...(byInstitution.get(s.orgId) ?? []), s]);
    const items = await Promise.all(
      institutionIds.map(async (id): Promise<ReviewStatusItem> => {
        const status = deriveReviewStatus(id, period, deps.tree.chainOf(id), byInstitution.get(id) ?? []);
        const latest = await deps.closed.latest(id, period);
        return { ...status, latestClosedRevision: latest?.revision };
      }),
    );
    return { orgId, period, counts: countStatuses(items), items };
  };
}
