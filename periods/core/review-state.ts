import type { ErrorCode } from '../../src/kernel/index.js';
import type { Reviewer, ReviewerLevel } from './review-tree.js';

/**
 * Three-level direct reporting with review (三级直报审核, docs/periods.md, "Review up the tree"): an
 * institution submits its closed period, and each reviewer up the tree (county,
 * city, region) approves it or returns it with a reason. Every step is an
 * append-only event bound to the closed revision and its digest; the status is
 * derived by replaying the steps through the rules below, so a step that came
 * second in a race (two county officers at once, two replicas) is left out of
 * the trail rather than corrupting it.
 */
export const REVIEW_STEP_KINDS = ['submitted', 'approved', 'returned'] as const;
export type ReviewStepKind = (typeof REVIEW_STEP_KINDS)[number];

/** The level acting: the institution submits, a reviewer level approves or returns. */
export const REVIEW_LEVELS = ['institution', 'county', 'city', 'region'] as const;
export type ReviewLevel = (typeof REVIEW_LEVELS)[number];

/** An officer acts at their own scope; an administrator at the fleet's root may act for any level. */
export const REVIEW_ACTED_AS = ['officer', 'administrator'] as const;
export type ReviewActedAs = (typeof REVIEW_ACTED_AS)[number];

export interface ReviewStep {
  /** The institution whose period is reviewed. */
  readonly orgId: string;
  /** "YYYY-MM" or "YYYY". */
  readonly period: string;
  readonly step: ReviewStepKind;
  readonly level: ReviewLevel;
  /** The org acting: the institution itself for a submission, the reviewing ancestor otherwise. */
  readonly reviewerOrgId: string;
  /** The closed revision the step is about, and its digest (hex SHA-256 of its canonical JSON). */
  readonly revision: number;
  readonly digest: string;
  /** Who: the caller's subject. */
  readonly actor: string;
  readonly actedAs: ReviewActedAs;
  readonly atMs: number;
  /** Why a submission is returned (required for returned, absent otherwise). */
  readonly reason?: string;
}

export const REVIEW_STATUSES = [
  'not_submitted',
  'submitted',
  'returned',
  'approved_at_county',
  'approved_at_city',
  'approved',
] as const;
export type ReviewStatusKind = (typeof REVIEW_STATUSES)[number];

export interface ReviewStatus {
  readonly orgId: string;
  readonly period: string;
  readonly status: ReviewStatusKind;
  /** The reviewers, nearest first. */
  readonly chain: readonly Reviewer[];
  /** Who must act next: set while submitted or approved part of the way. */
  readonly awaiting?: Reviewer;
  /** The revision and digest of the current submission (absent before the first one). */
  readonly revision?: number;
  readonly digest?: string;
  /** The reviewers who approved the current submission, in order. */
  readonly approvedBy: readonly Reviewer[];
  /** Set while returned: by whom, why, and which revision (a resubmission needs a newer one). */
  readonly returned?: { readonly by: Reviewer; readonly reason: string; readonly revision: number };
  readonly lastStep?: ReviewStep;
  /** The steps that took effect, in order (a step refused on replay is not part of it). */
  readonly trail: readonly ReviewStep[];
}

export type ReviewRefusalCode = Extract<
  ErrorCode,
  | 'REVIEW_STALE_REVISION'
  | 'REVIEW_NOT_AWAITING'
  | 'REVIEW_WRONG_LEVEL'
  | 'REVIEW_NEEDS_NEW_REVISION'
  | 'REVIEW_ALREADY_SUBMITTED'
  | 'REVIEW_REASON_REQUIRED'
>;

export interface ReviewRefusal {
  readonly code: ReviewRefusalCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** The status before any step. */
export function initialReviewStatus(orgId: string, period: string, chain: readonly Reviewer[]): ReviewStatus {
  return { orgId, period, status: 'not_submitted', chain, approvedBy: [], trail: [] };
}

/**
 * Whether a step may follow the status, by the rules that depend on the steps
 * alone (whether a revision is the latest closed one is the use case's check,
 * which knows the closed revisions): undefined when it may, else the refusal.
 */
export function refuseStep(status: ReviewStatus, step: ReviewStep): ReviewRefusal | undefined {
  if (step.step === 'submitted') {
    if (status.returned !== undefined && step.revision <= status.returned.revision) {
      return {
        code: 'REVIEW_NEEDS_NEW_REVISION',
        message: `revision ${status.returned.revision} was returned; resubmit a newer revision`,
        details: { returnedRevision: status.returned.revision },
      };
    }
    if (status.returned === undefined && status.revision !== undefined && step.revision <= status.revision) {
      return {
        code: 'REVIEW_ALREADY_SUBMITTED',
        message: `revision ${status.revision} is submitted already (${status.status})`,
        details: { revision: status.revision, status: status.status },
      };
    }
    return undefined;
  }
  if (step.step === 'returned' && (step.reason ?? '').trim() === '') {
    return { code: 'REVIEW_REASON_REQUIRED', message: 'returning a submission needs a reason' };
  }
  const awaiting = status.awaiting;
  if (awaiting === undefined) {
    return {
      code: 'REVIEW_NOT_AWAITING',
      message: `${status.orgId} ${status.period} awaits no review (${status.status})`,
      details: { status: status.status },
    };
  }
  if (step.reviewerOrgId !== awaiting.orgId || step.level !== awaiting.level) {
    return {
      code: 'REVIEW_WRONG_LEVEL',
      message: `the submission awaits the ${awaiting.level} ${awaiting.orgId}`,
      details: { awaiting: { level: awaiting.level, orgId: awaiting.orgId } },
    };
  }
  if (step.revision !== status.revision) {
    return {
      code: 'REVIEW_STALE_REVISION',
      message: `the submission is revision ${status.revision}, not ${step.revision}`,
      details: { revision: status.revision },
    };
  }
  return undefined;
}

/** The status after a step that `refuseStep` lets through. */
export function applyStep(status: ReviewStatus, step: ReviewStep): ReviewStatus {
  const trail = [...status.trail, step];
  const base = { orgId: status.orgId, period: status.period, chain: status.chain, lastStep: step, trail };
  if (step.step === 'submitted') {
    return { ...base, ...awaitingAfter(status.chain, []), revision: step.revision, digest: step.digest };
  }
  const by: Reviewer = { level: step.level as ReviewerLevel, orgId: step.reviewerOrgId };
  const current = { revision: step.revision, ...(status.digest === undefined ? {} : { digest: status.digest }) };
  if (step.step === 'returned') {
    const returned = { by, reason: step.reason ?? '', revision: step.revision };
    return { ...base, ...current, status: 'returned', approvedBy: [], returned };
  }
  return { ...base, ...current, ...awaitingAfter(status.chain, [...status.approvedBy, by]) };
}

function awaitingAfter(
  chain: readonly Reviewer[],
  approvedBy: readonly Reviewer[],
): Pick<ReviewStatus, 'status' | 'awaiting' | 'approvedBy'> {
  const next = chain[approvedBy.length];
  if (next === undefined) return { status: 'approved', approvedBy };
  const last = approvedBy.at(-1);
  // Only county and city can be a step below the top: the region is the highest level.
  const status: ReviewStatusKind =
    last === undefined ? 'submitted' : last.level === 'county' ? 'approved_at_county' : 'approved_at_city';
  return { status, awaiting: next, approvedBy };
}

/**
 * An institution's status for a period from its steps, in stored order
 * (ascending atMs). A step the rules refuse at its place in the sequence is
 * skipped: the first of two racing steps stands.
 */
export function deriveReviewStatus(
  orgId: string,
  period: string,
  chain: readonly Reviewer[],
  steps: readonly ReviewStep[],
): ReviewStatus {
  let status = initialReviewStatus(orgId, period, chain);
  for (const step of steps) {
    if (step.orgId !== orgId || step.period !== period) continue;
    if (refuseStep(status, step) === undefined) status = applyStep(status, step);
  }
  return status;
}

/** How many institutions are in each status (every status present, zero or not). */
export function countStatuses(statuses: readonly ReviewStatus[]): Record<ReviewStatusKind, number> {
  const counts = Object.fromEntries(REVIEW_STATUSES.map((s) => [s, 0])) as Record<ReviewStatusKind, number>;
  for (const s of statuses) counts[s.status] += 1;
  return counts;
}
