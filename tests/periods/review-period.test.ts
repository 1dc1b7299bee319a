import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDuckDbReviewStore,
  createReviewPeriod,
  createReviewStatusList,
  createReviewTree,
  type ReviewActor,
  type ReviewPeriod,
  type ReviewStatusList,
  type ReviewStore,
} from '../../periods/index.js';
import { isAppError } from '../../src/kernel/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import { digestOf, fakeClosedRevisions, reviewFleet } from './review-fixture.js';

// The review's use cases over a real (in-memory) DuckDB store; the closed revisions are a fake the test advances.
const NOW = Date.UTC(2026, 10, 5, 2);
const PERIOD = '2026-10';
const officer = (scope: string): ReviewActor => ({
  actor: `officer@${scope}`,
  actorScopeOrgId: scope,
  isAdministrator: false,
});
const gov = officer('gov');
const xq = officer('xq');
const yc = officer('yc');
const nx = officer('nx');
const jn = officer('jn');
const rootAdmin: ReviewActor = { actor: 'admin@nx', actorScopeOrgId: 'nx', isAdministrator: true };
const countyAdmin: ReviewActor = { actor: 'admin@xq', actorScopeOrgId: 'xq', isAdministrator: true };

let client: DuckDbClient;
let store: ReviewStore;
let review: ReviewPeriod;
let status: ReviewStatusList;
let clock = NOW;
const closed = fakeClosedRevisions();

beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  store = createDuckDbReviewStore(client);
  await store.init();
  const tree = createReviewTree(reviewFleet);
  // Each step a minute after the one before: the trail's instants say so.
  review = createReviewPeriod({ store, closed, tree, nowMs: () => (clock += 60_000) });
  status = createReviewStatusList({ store, closed, tree });
});
afterAll(async () => {
  await client?.close();
});

/** The stable code an operation is refused with. */
async function refusal(operation: Promise<unknown>): Promise<string> {
  try {
    await operation;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a refusal, the step was recorded');
}

const on = (orgId: string, actor: ReviewActor, extra: { revision?: number; reason?: string } = {}) => ({
  orgId,
  period: PERIOD,
  ...actor,
  ...extra,
});

describe('a month submitted, returned by the county, fixed, resubmitted and approved up to the region', () => {
  it('leaves the expected trail and statuses at each step', async () => {
    const rev1 = closed.close('gov', PERIOD);
    const submitted = await review.submit(on('gov', gov));
    expect(submitted.step).toMatchObject({ step: 'submitted', level: 'institution', revision: 1, digest: rev1.digest });
    expect(submitted.status).toMatchObject({ status: 'submitted', awaiting: { level: 'county', orgId: 'xq' } });

    const returned = await review.return(on('gov', xq, { reason: '10 月燃气表读数缺失' }));
    expect(returned.status).toMatchObject({
      status: 'returned',
      returned: { by: { level: 'county', orgId: 'xq' }, reason: '10 月燃气表读数缺失', revision: 1 },
    });
    // The fix is a new revision: the returned one is not submitted again.
    expect(await refusal(review.submit(on('gov', gov)))).toBe('REVIEW_NEEDS_NEW_REVISION');

    const rev2 = closed.close('gov', PERIOD);
    const resubmitted = await review.submit(on('gov', gov, { revision: 2 }));
    expect(resubmitted.status).toMatchObject({ status: 'submitted', revision: 2, digest: rev2.digest });
    expect(resubmitted.status.returned).toBeUndefined();

    const county = await review.approve(on('gov', xq));
    expect(county.status).toMatchObject({ status: 'approved_at_county', awaiting: { level: 'city', orgId: 'yc' } });
    const city = await review.approve(on('gov', yc, { revision: 2 }));
    expect(city.status).toMatchObject({ status: 'approved_at_city', awaiting: { level: 'region', orgId: 'nx' } });
    const region = await review.approve(on('gov', nx));
    expect(region.status).toMatchObject({ status: 'approved', revision: 2, digest: rev2.digest });
    expect(region.status.awaiting).toBeUndefined();
    expect(region.status.approvedBy.map((r) => r.orgId)).toEqual(['xq', 'yc', 'nx']);

    // The stored trail: every step in order, each bound to its revision's digest.
    const trail = await store.steps({ period: PERIOD, orgIds: ['gov'] });
    expect(trail.map((s) => [s.step, s.level, s.reviewerOrgId, s.revision, s.digest, s.actor])).toEqual([
      ['submitted', 'institution', 'gov', 1, digestOf('gov', PERIOD, 1), 'officer@gov'],
      ['returned', 'county', 'xq', 1, digestOf('gov', PERIOD, 1), 'officer@xq'],
      ['submitted', 'institution', 'gov', 2, digestOf('gov', PERIOD, 2), 'officer@gov'],
      ['approved', 'county', 'xq', 2, digestOf('gov', PERIOD, 2), 'officer@xq'],
      ['approved', 'city', 'yc', 2, digestOf('gov', PERIOD, 2), 'officer@yc'],
      ['approved', 'region', 'nx', 2, digestOf('gov', PERIOD, 2), 'officer@nx'],
    ]);
    expect(trail[1]?.reason).toBe('10 月燃气表读数缺失');
    const instants = trail.map((s) => s.atMs);
    expect(instants).toEqual([...instants].sort((a, b) => a - b));
    expect(new Set(instants).size).toBe(instants.length);
    expect(region.status.trail).toEqual(trail);

    // An approved month takes no more review.
    expect(await refusal(review.approve(on('gov', nx)))).toBe('REVIEW_NOT_AWAITING');
    expect(await refusal(review.submit(on('gov', gov)))).toBe('REVIEW_ALREADY_SUBMITTED');
  });

  it("shows the county's subtree at a glance: who is approved, who is late", async () => {
    const report = await status({ orgId: 'xq', period: PERIOD });
    expect(report.items.map((i) => [i.orgId, i.status, i.revision ?? null, i.latestClosedRevision ?? null])).toEqual([
      ['gov', 'approved', 2, 2],
      ['school', 'not_submitted', null, null],
    ]);
    expect(report.counts).toMatchObject({ approved: 1, not_submitted: 1, submitted: 0, returned: 0 });
  });
});

describe('who acts', () => {
  it('lets an administrator at the fleet root act for the awaited level, recorded as such', async () => {
    closed.close('clinic', PERIOD);
    await review.submit(on('clinic', jn));
    const done = await review.approve(on('clinic', rootAdmin));
    expect(done.step).toMatchObject({
      level: 'county',
      reviewerOrgId: 'jn',
      actedAs: 'administrator',
      actor: 'admin@nx',
    });
    expect(done.status.status).toBe('approved_at_county');
  });

  it('refuses a reviewer out of turn, an institution approving itself and a county administrator above it', async () => {
    closed.close('school', PERIOD);
    await review.submit(on('school', countyAdmin));
    expect(await refusal(review.approve(on('school', yc)))).toBe('REVIEW_WRONG_LEVEL');
    expect(await refusal(review.approve(on('school', officer('school'))))).toBe('REVIEW_WRONG_LEVEL');
    await review.approve(on('school', xq));
    expect(await refusal(review.approve(on('school', countyAdmin)))).toBe('REVIEW_WRONG_LEVEL');
    expect(await refusal(review.approve(on('school', jn)))).toBe('REVIEW_OUT_OF_SCOPE');
  });

  it('refuses a submission by a caller whose scope does not cover the institution', async () => {
    closed.close('city-hosp', PERIOD);
    expect(await refusal(review.submit(on('city-hosp', xq)))).toBe('REVIEW_OUT_OF_SCOPE');
    const submitted = await review.submit(on('city-hosp', officer('city-hosp')));
    // No county above it: the city reviews first.
    expect(submitted.status.awaiting).toEqual({ level: 'city', orgId: 'yc' });
  });
});

describe('refusals', () => {
  it('refuses submitting a period that is not closed, and an org unit, an unknown id or a bad period', async () => {
    expect(await refusal(review.submit({ ...on('gov', gov), period: '2026-09' }))).toBe('REVIEW_NOT_CLOSED');
    expect(await refusal(review.submit(on('xq', xq)))).toBe('REVIEW_NOT_INSTITUTION');
    expect(await refusal(review.submit(on('nowhere', gov)))).toBe('ORG_NOT_FOUND');
    expect(await refusal(review.submit({ ...on('gov', gov), period: '2026-10-01' }))).toBe('BAD_PERIOD');
    expect(await refusal(status({ orgId: 'nowhere', period: PERIOD }))).toBe('ORG_NOT_FOUND');
  });

  it('refuses a step on a stale revision: a newer one was closed since', async () => {
    closed.close('gov', '2026-08');
    closed.close('gov', '2026-08');
    expect(await refusal(review.submit({ ...on('gov', gov, { revision: 1 }), period: '2026-08' }))).toBe(
      'REVIEW_STALE_REVISION',
    );
    await review.submit({ ...on('gov', gov), period: '2026-08' });
    closed.close('gov', '2026-08');
    expect(await refusal(review.approve({ ...on('gov', xq), period: '2026-08' }))).toBe('REVIEW_STALE_REVISION');
    // The institution submits the new revision, and the county reviews that one.
    await review.submit({ ...on('gov', gov), period: '2026-08' });
    const approved = await review.approve({ ...on('gov', xq, { revision: 3 }), period: '2026-08' });
    expect(approved.step.revision).toBe(3);
  });

  it('refuses reviewing what awaits no review, and a return without a reason', async () => {
    closed.close('gov', '2026-07');
    expect(await refusal(review.approve({ ...on('gov', xq), period: '2026-07' }))).toBe('REVIEW_NOT_AWAITING');
    await review.submit({ ...on('gov', gov), period: '2026-07' });
    expect(await refusal(review.return({ ...on('gov', xq, { reason: '  ' }), period: '2026-07' }))).toBe(
      'REVIEW_REASON_REQUIRED',
    );
    expect(await refusal(review.return({ ...on('gov', xq), period: '2026-07' }))).toBe('REVIEW_REASON_REQUIRED');
    await review.return({ ...on('gov', xq, { reason: 'area figure wrong' }), period: '2026-07' });
    expect(await refusal(review.approve({ ...on('gov', xq), period: '2026-07' }))).toBe('REVIEW_NOT_AWAITING');
  });

  it('records one of two approvals racing from two processes at the same instant', async () => {
    closed.close('gov', '2026-05');
    await review.submit({ ...on('gov', gov), period: '2026-05' });
    const tree = createReviewTree(reviewFleet);
    // Two service processes over one store, at one instant: both read "awaiting the county", both append.
    const at = clock + 3_600_000;
    const [one, two] = [0, 1].map(() => createReviewPeriod({ store, closed, tree, nowMs: () => at }));
    const results = await Promise.allSettled([
      one?.approve({ ...on('gov', xq), period: '2026-05' }),
      two?.approve({ ...on('gov', { ...xq, actor: 'another@xq' }), period: '2026-05' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(isAppError(rejected?.reason) ? rejected.reason.code : undefined).toBe('REVIEW_WRONG_LEVEL');
    const after = await status({ orgId: 'gov', period: '2026-05' });
    expect(after.items[0]?.trail.filter((s) => s.step === 'approved')).toHaveLength(1);
    expect(after.items[0]?.status).toBe('approved_at_county');
  });

  it('records one of two racing approvals by the same county', async () => {
    closed.close('gov', '2026-06');
    await review.submit({ ...on('gov', gov), period: '2026-06' });
    const second = { ...xq, actor: 'another@xq' };
    const results = await Promise.allSettled([
      review.approve({ ...on('gov', xq), period: '2026-06' }),
      review.approve({ ...on('gov', second), period: '2026-06' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(isAppError(rejected?.reason) ? rejected.reason.code : undefined).toBe('REVIEW_WRONG_LEVEL');
  });
});
