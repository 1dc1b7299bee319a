import { describe, expect, it } from 'vitest';
import { countStatuses, deriveReviewStatus, refuseStep, type ReviewStep } from './review-state.js';
import { createReviewTree, type ReviewFleet } from './review-tree.js';

// A region with one city and a county under it; one institution under the county, one directly under the
// city (no county: skipped), one under a group inside the county (the group reviews nothing), and a district.
const fleet: ReviewFleet = {
  orgs: [
    { id: 'nx', level: 'region' },
    { id: 'yc', level: 'city', parent: 'nx' },
    { id: 'xq', level: 'county', parent: 'yc' },
    { id: 'xq-edu', level: 'group', parent: 'xq' },
    { id: 'jf', level: 'district', parent: 'yc' },
  ],
  institutions: [
    { id: 'gov', org: 'xq' },
    { id: 'city-hosp', org: 'yc' },
    { id: 'school', org: 'xq-edu' },
    { id: 'clinic', org: 'jf' },
  ],
};
const tree = createReviewTree(fleet);

const base = { orgId: 'gov', period: '2026-10', actor: 'li', actedAs: 'officer' as const };
const submit = (revision: number, atMs: number): ReviewStep => ({
  ...base,
  step: 'submitted',
  level: 'institution',
  reviewerOrgId: 'gov',
  revision,
  digest: `d${revision}`,
  atMs,
});
const approve = (level: 'county' | 'city' | 'region', orgId: string, revision: number, atMs: number): ReviewStep => ({
  ...base,
  step: 'approved',
  level,
  reviewerOrgId: orgId,
  revision,
  digest: `d${revision}`,
  atMs,
});
const giveBack = (revision: number, atMs: number, reason = 'water meter missing'): ReviewStep => ({
  ...approve('county', 'xq', revision, atMs),
  step: 'returned',
  reason,
});

describe('createReviewTree', () => {
  it('chains the ancestors at county, city and region level, nearest first, skipping what the tree lacks', () => {
    expect(tree.chainOf('gov')).toEqual([
      { level: 'county', orgId: 'xq' },
      { level: 'city', orgId: 'yc' },
      { level: 'region', orgId: 'nx' },
    ]);
    expect(tree.chainOf('city-hosp')).toEqual([
      { level: 'city', orgId: 'yc' },
      { level: 'region', orgId: 'nx' },
    ]);
    expect(tree.chainOf('school').map((r) => r.orgId)).toEqual(['xq', 'yc', 'nx']);
    expect(tree.chainOf('clinic')[0]).toEqual({ level: 'county', orgId: 'jf' });
  });

  it('knows who covers an institution, its root and the institutions under a node', () => {
    expect(tree.covers('gov', 'gov')).toBe(true);
    expect(tree.covers('xq', 'gov')).toBe(true);
    expect(tree.covers('jf', 'gov')).toBe(false);
    expect(tree.rootOf('school')).toBe('nx');
    expect(tree.institutionsUnder('xq')).toEqual(['gov', 'school']);
    expect(tree.institutionsUnder('nx')).toEqual(['gov', 'city-hosp', 'school', 'clinic']);
    expect(tree.institutionsUnder('gov')).toEqual(['gov']);
    expect(tree.institutionsUnder('nowhere')).toBeUndefined();
    expect(tree.isInstitution('xq')).toBe(false);
    expect(tree.hasNode('xq')).toBe(true);
  });
});

describe('deriveReviewStatus', () => {
  const chain = tree.chainOf('gov');
  const status = (steps: ReviewStep[]) => deriveReviewStatus('gov', '2026-10', chain, steps);

  it('walks submitted, returned, resubmitted, and approved by county, city and region', () => {
    expect(status([]).status).toBe('not_submitted');
    const s1 = status([submit(1, 1)]);
    expect(s1).toMatchObject({ status: 'submitted', awaiting: { level: 'county', orgId: 'xq' }, revision: 1 });
    const s2 = status([submit(1, 1), giveBack(1, 2)]);
    expect(s2).toMatchObject({ status: 'returned', returned: { by: { orgId: 'xq' }, revision: 1 } });
    expect(s2.awaiting).toBeUndefined();
    const steps = [submit(1, 1), giveBack(1, 2), submit(2, 3), approve('county', 'xq', 2, 4)];
    expect(status(steps)).toMatchObject({
      status: 'approved_at_county',
      awaiting: { level: 'city', orgId: 'yc' },
      revision: 2,
      digest: 'd2',
      approvedBy: [{ level: 'county', orgId: 'xq' }],
    });
    expect(status([...steps, approve('city', 'yc', 2, 5)]).status).toBe('approved_at_city');
    const done = status([...steps, approve('city', 'yc', 2, 5), approve('region', 'nx', 2, 6)]);
    expect(done).toMatchObject({ status: 'approved', revision: 2, lastStep: { level: 'region' } });
    expect(done.awaiting).toBeUndefined();
    expect(done.trail.map((s) => `${s.step}:${s.level}:${s.revision}`)).toEqual([
      'submitted:institution:1',
      'returned:county:1',
      'submitted:institution:2',
      'approved:county:2',
      'approved:city:2',
      'approved:region:2',
    ]);
  });

  it('skips a step the rules refuse at its place: the first of two racing steps stands', () => {
    const raced = status([submit(1, 1), approve('county', 'xq', 1, 2), giveBack(1, 2)]);
    expect(raced.status).toBe('approved_at_county');
    expect(raced.trail).toHaveLength(2);
  });

  it('approves at once when the institution has no reviewer above it', () => {
    const alone = createReviewTree({ orgs: [{ id: 'g', level: 'group' }], institutions: [{ id: 'i', org: 'g' }] });
    const s = deriveReviewStatus('i', '2026-10', alone.chainOf('i'), [{ ...submit(1, 1), orgId: 'i' }]);
    expect(s.status).toBe('approved');
  });

  it('counts every status', () => {
    const counts = countStatuses([status([]), status([submit(1, 1)]), status([])]);
    expect(counts).toEqual({
      not_submitted: 2,
      submitted: 1,
      returned: 0,
      approved_at_county: 0,
      approved_at_city: 0,
      approved: 0,
    });
  });
});

describe('refuseStep', () => {
  const chain = tree.chainOf('gov');
  const at = (steps: ReviewStep[]) => deriveReviewStatus('gov', '2026-10', chain, steps);
  const code = (steps: ReviewStep[], next: ReviewStep) => refuseStep(at(steps), next)?.code;

  it('refuses approving or returning what awaits no review', () => {
    expect(code([], approve('county', 'xq', 1, 1))).toBe('REVIEW_NOT_AWAITING');
    expect(code([submit(1, 1), giveBack(1, 2)], approve('county', 'xq', 1, 3))).toBe('REVIEW_NOT_AWAITING');
  });

  it('refuses a reviewer out of turn, in either direction', () => {
    expect(code([submit(1, 1)], approve('city', 'yc', 1, 2))).toBe('REVIEW_WRONG_LEVEL');
    const atCity = [submit(1, 1), approve('county', 'xq', 1, 2)];
    expect(code(atCity, approve('county', 'xq', 1, 3))).toBe('REVIEW_WRONG_LEVEL');
    expect(refuseStep(at(atCity), approve('county', 'xq', 1, 3))?.details).toEqual({
      awaiting: { level: 'city', orgId: 'yc' },
    });
  });

  it('refuses a review of another revision than the one submitted', () => {
    expect(code([submit(2, 1)], approve('county', 'xq', 1, 2))).toBe('REVIEW_STALE_REVISION');
  });

  it('refuses a return without a reason', () => {
    expect(code([submit(1, 1)], giveBack(1, 2, '  '))).toBe('REVIEW_REASON_REQUIRED');
  });

  it('refuses resubmitting the returned revision, and submitting the same revision twice', () => {
    expect(code([submit(1, 1), giveBack(1, 2)], submit(1, 3))).toBe('REVIEW_NEEDS_NEW_REVISION');
    expect(code([submit(1, 1), giveBack(1, 2)], submit(2, 3))).toBeUndefined();
    expect(code([submit(1, 1)], submit(1, 2))).toBe('REVIEW_ALREADY_SUBMITTED');
    // A newer revision (late data after close) is submitted again and restarts the chain.
    expect(code([submit(1, 1), approve('county', 'xq', 1, 2)], submit(2, 3))).toBeUndefined();
    const restarted = at([submit(1, 1), approve('county', 'xq', 1, 2), submit(2, 3)]);
    expect(restarted).toMatchObject({ status: 'submitted', approvedBy: [], revision: 2 });
  });
});
