import { AppError, periodRange } from '../src/kernel/index.js';
import {
  deriveReviewStatus,
  refuseStep,
  type ReviewActedAs,
  type ReviewLevel,
  type ReviewStatus,
  type ReviewStep,
  type ReviewStepKind,
} from './core/review-state.js';
import { WHOLE_FLEET, type Reviewer, type ReviewTree } from './core/review-tree.js';
import type { ClosedRevisionRef, ClosedRevisions } from './ports.js';
import type { ReviewStore } from './review-ports.js';

/**
 * The review up the tree (三级直报审核, docs/periods.md, "Review up the tree"): an institution submits
 * its closed period, its county, city and region approve it in turn or return
 * it with a reason. Each step is one appended event bound to the closed
 * revision and its digest.
 *
 * Who acts is given as plain values (the HTTP layer maps its principal):
 * - submit: a caller whose scope covers the institution (the institution's
 *   officer, or an officer or administrator of an ancestor);
 * - approve and return: the reviewer at the awaited level, a caller whose scope
 *   is exactly that ancestor org; or an administrator whose scope is the top of
 *   the institution's tree, who acts for the awaited level and is recorded as
 *   `actedAs: administrator`.
 *
 * Refusals are AppErrors with stable codes: ORG_NOT_FOUND, BAD_PERIOD,
 * REVIEW_NOT_INSTITUTION, REVIEW_OUT_OF_SCOPE, REVIEW_NOT_CLOSED,
 * REVIEW_STALE_REVISION, REVIEW_NOT_AWAITING, REVIEW_WRONG_LEVEL,
 * REVIEW_NEEDS_NEW_REVISION, REVIEW_ALREADY_SUBMITTED, REVIEW_REASON_REQUIRED.
 */
export interface ReviewActor {
  /** Who: the caller's subject, written into the step. */
  readonly actor: string;
  readonly actorScopeOrgId: string;
  readonly isAdministrator: boolean;
}

export interface ReviewCommand extends ReviewActor {
  /** The institution. */
  readonly orgId: string;
  readonly period: string;
  /** The revision the caller acts on; the latest closed one (submit) or the submitted one (review) if absent. */
  readonly revision?: number | undefined;
  /** Why (required to return). */
  readonly reason?: string | undefined;
}

export interface ReviewOutcome {
  /** The step that was recorded. */
  readonly step: ReviewStep;
  /** The institution's status after it. */
  readonly status: ReviewStatus;
}

export interface ReviewPeriod {
  submit(command: ReviewCommand): Promise<ReviewOutcome>;
  approve(command: ReviewCommand): Promise<ReviewOutcome>;
  return(command: ReviewCommand): Promise<ReviewOutcome>;
}

export interface ReviewPeriodDeps {
  readonly store: ReviewStore;
  readonly closed: ClosedRevisions;
  readonly tree: ReviewTree;
  readonly nowMs: () => number;
}

export function createReviewPeriod(deps: ReviewPeriodDeps): ReviewPeriod {
  // One step at a time per institution and period in this process: the read, the checks and the append
  // of one request see no other request's step. Across processes, the replay rule keeps the first step.
  const queues = new Map<string, Promise<unknown>>();
  const serialised = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  };

  const act = (kind: ReviewStepKind, command: ReviewCommand) =>
    serialised(`${command.orgId}\u0000${command.period}`, () => record(deps, kind, command));
  return {
    submit: (command) => act('submitted', command),
    approve: (command) => act('approved', command),
    return: (command) => act('returned', command),
  };
}

/** The institution's reviewer chain, after checking the ids (shared with review-status.ts). */
export function checkedChain(tree: ReviewTree, orgId: string, period: string): readonly Reviewer[] {
  if (!tree.hasNode(orgId)) throw new AppError('ORG_NOT_FOUND', `no org unit or institution ${orgId}`);
  checkPeriod(period);
  if (!tree.isInstitution(orgId)) {
    throw new AppError('REVIEW_NOT_INSTITUTION', `${orgId} is an org unit; an institution submits its own period`);
  }
  return tree.chainOf(orgId);
}

/** A month or a year, as closed periods are. */
export function checkPeriod(period: string): void {
  const range = periodRange(period);
  if (range === undefined || range.bucket === 'day') {
    throw new AppError('BAD_PERIOD', `period ${period} is not YYYY-MM or YYYY`);
  }
}

async function record(deps: ReviewPeriodDeps, kind: ReviewStepKind, command: ReviewCommand): Promise<ReviewOutcome> {
  const { orgId, period } = command;
  const chain = checkedChain(deps.tree, orgId, period);
  const read = async () =>
    deriveReviewStatus(orgId, period, chain, await deps.store.steps({ period, orgIds: [orgId] }));
  const before = await read();
  if (kind === 'returned' && (command.reason ?? '').trim() === '') {
    throw new AppError('REVIEW_REASON_REQUIRED', 'returning a submission needs a reason');
  }
  const acting = kind === 'submitted' ? submitter(deps.tree, command) : reviewer(deps.tree, before, command);
  const latest = await deps.closed.latest(orgId, period);
  if (latest === undefined) throw new AppError('REVIEW_NOT_CLOSED', `${period} is not closed for ${orgId}`);
  const bound = boundRevision(kind, before, latest, command.revision);
  const step: ReviewStep = {
    orgId,
    period,
    step: kind,
    ...acting,
    ...bound,
    actor: command.actor,
    // Strictly after the last step: the order of the steps is the order of the trail.
    atMs: Math.max(deps.nowMs(), (before.lastStep?.atMs ?? Number.NEGATIVE_INFINITY) + 1),
    ...(kind === 'returned' ? { reason: (command.reason ?? '').trim() } : {}),
  };
  const refusal = refuseStep(before, step);
  if (refusal !== undefined) throw new AppError(refusal.code, refusal.message, { details: refusal.details });
  await deps.store.append([step]);
  const after = await read();
  const tookEffect = after.trail.some((s) => s.atMs === step.atMs && s.actor === step.actor && s.step === kind);
  if (!tookEffect) {
    // Another process's step came first (or took the same instant): say why ours is refused after it.
    const first = deriveReviewStatus(
      orgId,
      period,
      chain,
      after.trail.filter((s) => s.atMs <= step.atMs),
    );
    const raced = refuseStep(first, step);
    throw new AppError(raced?.code ?? 'REVIEW_NOT_AWAITING', raced?.message ?? 'another step came first');
  }
  return { step, status: after };
}

type Acting = { readonly level: ReviewLevel; readonly reviewerOrgId: string; readonly actedAs: ReviewActedAs };

function submitter(tree: ReviewTree, command: ReviewCommand): Acting {
  if (!tree.covers(command.actorScopeOrgId, command.orgId)) {
    throw new AppError('REVIEW_OUT_OF_SCOPE', `a grant at ${command.actorScopeOrgId} does not cover ${command.orgId}`);
  }
  return {
    level: 'institution',
    reviewerOrgId: command.orgId,
    actedAs: command.isAdministrator ? 'administrator' : 'officer',
  };
}

function reviewer(tree: ReviewTree, status: ReviewStatus, command: ReviewCommand): Acting {
  const awaiting = status.awaiting;
  if (awaiting === undefined) {
    throw new AppError(
      'REVIEW_NOT_AWAITING',
      `${command.orgId} ${command.period} awaits no review (${status.status})`,
      {
        details: { status: status.status },
      },
    );
  }
  const scope = command.actorScopeOrgId;
  const actedAs: ReviewActedAs = command.isAdministrator ? 'administrator' : 'officer';
  if (scope === awaiting.orgId) return { level: awaiting.level, reviewerOrgId: awaiting.orgId, actedAs };
  if (command.isAdministrator && (scope === WHOLE_FLEET || scope === tree.rootOf(command.orgId))) {
    return { level: awaiting.level, reviewerOrgId: awaiting.orgId, actedAs: 'administrator' };
  }
  if (tree.covers(scope, command.orgId)) {
    throw new AppError('REVIEW_WRONG_LEVEL', `the submission awaits the ${awaiting.level} ${awaiting.orgId}`, {
      details: { awaiting: { level: awaiting.level, orgId: awaiting.orgId } },
    });
  }
  throw new AppError('REVIEW_OUT_OF_SCOPE', `${scope} is not a reviewer of ${command.orgId}`);
}

/** The revision and digest a step binds to: the latest closed one, which a review must also have been submitted. */
function boundRevision(
  kind: ReviewStepKind,
  status: ReviewStatus,
  latest: ClosedRevisionRef,
  named: number | undefined,
): { revision: number; digest: string } {
  const stale = (message: string) =>
    new AppError('REVIEW_STALE_REVISION', message, { details: { latestRevision: latest.revision } });
  if (named !== undefined && named !== latest.revision) {
    throw stale(`revision ${named} is not the latest closed revision ${latest.revision}`);
  }
  if (kind === 'submitted') return { revision: latest.revision, digest: latest.digest };
  if (status.revision !== latest.revision) {
    throw stale(`revision ${status.revision} was submitted, but revision ${latest.revision} is closed since`);
  }
  return { revision: latest.revision, digest: status.digest ?? latest.digest };
}
