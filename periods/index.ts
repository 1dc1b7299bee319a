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
export * from './core/index.js';
export { createMemoryPeriodStore } from './adapters/memory-period-store.js';
export { createDuckDbPeriodStore } from './adapters/duckdb-period-store.js';
export { createQuestDbPeriodStore, type QuestDbPeriodStoreOptions } from './adapters/questdb-period-store.js';
export { loadRetiredPublicKeys, loadSigningKey } from './adapters/file-signing-key.js';
export { periodSettingsSchema, PERIODS_CONFIG, type PeriodSettings } from './period-settings.js';
export { createPeriodLock, type PeriodDeps, type PeriodLock } from './period-deps.js';
export { createMeterDayLeaves, type MeterDayLeaves } from './meter-day-leaves.js';
export { signatureBlockOf, leavesOf } from './seal-revision.js';
export { createClosePeriod, type ClosePeriod, type ClosePeriodRequest, type ClosedRevision } from './close-period.js';
export { createRevisePeriod, type RevisePeriod, type RevisePeriodRequest } from './revise-period.js';
export { createVerifyPeriod, type PeriodVerification, type VerifyPeriod } from './verify-period.js';
export { createInclusionProof, type MeterDayProof, type MeterDayProofQuery } from './inclusion-proof.js';
export { createClosedStatus, type ClosedStatus, type ClosedStatusQuery } from './closed-status.js';
