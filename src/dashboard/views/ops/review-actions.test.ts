import { describe, expect, it } from 'vitest';
import type { Session } from '../dashboard-view.js';
import type { ReviewItem } from './ops-api.js';
import { previousMonth, reviewActionsOf } from './review-actions.js';

type Grant = Pick<Session, 'role' | 'scopeOrgId' | 'permissions'>;

const officer = (scopeOrgId: string): Grant => ({
  role: 'energy_officer',
  scopeOrgId,
  permissions: ['reports:read', 'alerts:read', 'alerts:act', 'periods:review'],
});
const auditor: Grant = { role: 'auditor', scopeOrgId: '*', permissions: ['reports:read'] };
const admin: Grant = { role: 'administrator', scopeOrgId: 'nx', permissions: ['periods:review', 'periods:close'] };
const roots = new Set(['nx']);

function item(over: Partial<ReviewItem>): ReviewItem {
  return {
    org: 'inst',
    period: '2026-10',
    status: 'not_submitted',
    chain: [{ level: 'county', org: 'county' }],
    awaiting: null,
    revision: null,
    digest: null,
    returned: null,
    latestClosedRevision: 1,
    ...over,
  };
}

describe('reviewActionsOf', () => {
  it('offers submit for a closed period not yet submitted, not for an open one', () => {
    expect(reviewActionsOf(item({}), officer('inst'), roots).submit).toBe(true);
    expect(reviewActionsOf(item({ latestClosedRevision: null }), officer('inst'), roots).submit).toBe(false);
  });

  it('offers approve and return to the awaited reviewer only', () => {
    const submitted = item({ status: 'submitted', awaiting: { level: 'county', org: 'county' }, revision: 1 });
    expect(reviewActionsOf(submitted, officer('county'), roots)).toEqual({
      submit: false,
      approve: true,
      return: true,
    });
    expect(reviewActionsOf(submitted, officer('inst'), roots)).toEqual({
      submit: false,
      approve: false,
      return: false,
    });
    expect(reviewActionsOf(submitted, officer('city'), roots).approve).toBe(false);
  });

  it('lets an administrator at the root act for the awaited level', () => {
    const submitted = item({ status: 'submitted', awaiting: { level: 'county', org: 'county' }, revision: 1 });
    expect(reviewActionsOf(submitted, admin, roots).approve).toBe(true);
    expect(reviewActionsOf(submitted, { ...admin, scopeOrgId: 'city' }, roots).approve).toBe(false);
  });

  it('offers resubmission after a return, and after a newer revision', () => {
    const returned = item({
      status: 'returned',
      revision: 1,
      latestClosedRevision: 2,
      returned: { by: { level: 'county', org: 'county' }, reason: 'late batch', revision: 1 },
    });
    expect(reviewActionsOf(returned, officer('inst'), roots).submit).toBe(true);
    expect(reviewActionsOf({ ...returned, latestClosedRevision: 1 }, officer('inst'), roots).submit).toBe(false);
    const newer = item({ status: 'submitted', awaiting: { level: 'county', org: 'county' }, revision: 1 });
    expect(reviewActionsOf(newer, officer('inst'), roots).submit).toBe(false);
    expect(reviewActionsOf({ ...newer, latestClosedRevision: 2 }, officer('inst'), roots).submit).toBe(true);
  });

  it('offers nothing to a role without periods:review', () => {
    expect(reviewActionsOf(item({}), auditor, roots)).toEqual({ submit: false, approve: false, return: false });
  });
});

describe('previousMonth', () => {
  it("is the month before the fleet's local month", () => {
    // 2026-12-01 01:00 in Shanghai is still November in UTC: the local calendar decides.
    expect(previousMonth(Date.parse('2026-11-30T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-11');
    expect(previousMonth(Date.parse('2026-11-30T15:00:00Z'), 'Asia/Shanghai')).toBe('2026-10');
    expect(previousMonth(Date.parse('2027-01-10T00:00:00Z'), 'Asia/Shanghai')).toBe('2026-12');
  });
});
