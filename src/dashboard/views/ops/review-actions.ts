import type { Session } from '../dashboard-view.js';
import type { ReviewItem } from './ops-api.js';

export interface ReviewActions {
  submit: boolean;
  approve: boolean;
  return: boolean;
}

const NONE: ReviewActions = { submit: false, approve: false, return: false };

/**
 * Which review buttons to offer (docs/periods.md, "Who acts"): only to a role with
 * periods:review; submit while the latest closed revision is not yet under review;
 * approve and return to the awaited reviewer's own scope, or to an administrator
 * at the fleet's root, who may act for any level. The service stays the judge:
 * a refused step shows its code.
 */
export function reviewActionsOf(
  item: ReviewItem,
  session: Pick<Session, 'role' | 'scopeOrgId' | 'permissions'>,
  rootIds: ReadonlySet<string>,
): ReviewActions {
  if (!session.permissions.includes('periods:review')) return NONE;
  const latest = item.latestClosedRevision;
  // A returned submission goes back up only as a newer revision (REVIEW_NEEDS_NEW_REVISION otherwise).
  const submit = latest !== null && (item.revision === null || latest > item.revision);
  const atRoot = session.scopeOrgId === '*' || rootIds.has(session.scopeOrgId);
  const awaited =
    item.awaiting !== null &&
    (session.scopeOrgId === item.awaiting.org || (session.role === 'administrator' && atRoot));
  return { submit, approve: awaited, return: awaited };
}

/**
 * The month a report is usually wanted for: the last complete one in the fleet's
 * time zone (a month in progress is only partly measured). YYYY-MM.
 */
export function previousMonth(nowMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(nowMs);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  const [y, m] = month === 1 ? [year - 1, 12] : [year, month - 1];
  return `${y}-${String(m).padStart(2, '0')}`;
}
