/** The periods capability: closing a period, signed revisions with diffs, verification, the review up the tree. */
export type * from './ports.js';
export type * from './review-ports.js';
export {
  REVIEW_ACTED_AS,
  REVIEW_LEVELS,
  REVIEW_STATUSES,
  REVIEW_STEP_KINDS,
  deriveReviewStatus,
  type ReviewActedAs,
  type ReviewLevel,
  type ReviewStatus,
  type ReviewStatusKind,
  type ReviewStep,
  type ReviewStepKind,
} from './core/review-state.js';
export {
  REVIEWER_LEVELS,
  createReviewTree,
  WHOLE_FLEET,
  type Reviewer,
  type ReviewerLevel,
  type ReviewFleet,
  type ReviewTree,
} from './core/review-tree.js';
export {
  createReviewPeriod,
  type ReviewActor,
  type ReviewCommand,
  type ReviewOutcome,
  type ReviewPeriod,
} from './review-period.js';
export {
  createReviewStatusList,
  type ReviewStatusItem,
  type ReviewStatusList,
  type ReviewStatusQuery,
  type ReviewStatusReport,
} from './review-status.js';
export { createDuckDbReviewStore } from './adapters/duckdb-review-store.js';
export { createMemoryReviewStore } from './adapters/memory-review-store.js';
export { createQuestDbReviewStore, type QuestDbReviewStore } from './adapters/questdb-review-store.js';
