import {
  createReviewPeriod,
  createReviewStatusList,
  createReviewTree,
  type ClosedRevisions,
  type ReviewFleet,
  type ReviewStore,
} from '../periods/index.js';
import type { HttpDeps } from './http/index.js';

/**
 * The review up the tree (三级直报审核, docs/periods.md, "Review up the tree"), wired over the service's
 * review store and the closed revisions it binds its steps to (the periods
 * capability's store of closed reports provides them).
 */
export function wirePeriodsReview(deps: {
  readonly fleet: ReviewFleet;
  readonly reviews: ReviewStore;
  readonly closed: ClosedRevisions;
  readonly nowMs: () => number;
}): Pick<HttpDeps, 'periodsReview'> {
  const tree = createReviewTree(deps.fleet);
  return {
    periodsReview: {
      review: createReviewPeriod({ store: deps.reviews, closed: deps.closed, tree, nowMs: deps.nowMs }),
      status: createReviewStatusList({ store: deps.reviews, closed: deps.closed, tree }),
    },
  };
}
