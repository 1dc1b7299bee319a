import { AppError } from '../../src/kernel/index.js';
import {
  REVIEW_ACTED_AS,
  REVIEW_LEVELS,
  REVIEW_STEP_KINDS,
  type ReviewActedAs,
  type ReviewLevel,
  type ReviewStep,
  type ReviewStepKind,
} from '../core/review-state.js';
import type { ReviewStepQuery } from '../review-ports.js';

/** A review step as a row of period_reviews, the same in every engine (reason null unless returned). */
export interface ReviewStepRow {
  readonly atMs: number;
  readonly orgId: string;
  readonly period: string;
  readonly step: string;
  readonly level: string;
  readonly reviewerOrgId: string;
  readonly revision: number;
  readonly digest: string;
  readonly actor: string;
  readonly actedAs: string;
  readonly reason: string | null;
}

export function toRow(s: ReviewStep): ReviewStepRow {
  return {
    atMs: s.atMs,
    orgId: s.orgId,
    period: s.period,
    step: s.step,
    level: s.level,
    reviewerOrgId: s.reviewerOrgId,
    revision: s.revision,
    digest: s.digest,
    actor: s.actor,
    actedAs: s.actedAs,
    reason: s.reason ?? null,
  };
}

export function fromRow(row: ReviewStepRow): ReviewStep {
  const known = (values: readonly string[], value: string, what: string) => {
    if (values.includes(value)) return value;
    throw new AppError(
      'STORE_QUERY_FAILED',
      `review step of ${row.orgId} ${row.period} has an unknown ${what} ${value}`,
    );
  };
  return {
    orgId: row.orgId,
    period: row.period,
    step: known(REVIEW_STEP_KINDS, row.step, 'step') as ReviewStepKind,
    level: known(REVIEW_LEVELS, row.level, 'level') as ReviewLevel,
    reviewerOrgId: row.reviewerOrgId,
    revision: row.revision,
    digest: row.digest,
    actor: row.actor,
    actedAs: known(REVIEW_ACTED_AS, row.actedAs, 'actedAs') as ReviewActedAs,
    atMs: row.atMs,
    ...(row.reason === null ? {} : { reason: row.reason }),
  };
}

/** The same steps in the same order from every engine: (atMs, orgId, period, actor). */
export function byStepOrder(a: ReviewStep, b: ReviewStep): number {
  return a.atMs - b.atMs || compare(a.orgId, b.orgId) || compare(a.period, b.period) || compare(a.actor, b.actor);
}

/** Whether a step falls in the query (an engine that filters in SQL uses it for what it could not filter). */
export function matches(query: ReviewStepQuery, ids: ReadonlySet<string> | undefined, s: ReviewStep): boolean {
  return s.period === query.period && (ids === undefined || ids.has(s.orgId));
}

/** The key under which a step is stored once. */
export function stepKey(s: ReviewStep): string {
  return `${s.atMs}\u0000${s.orgId}\u0000${s.period}\u0000${s.actor}`;
}

/** A table name under a prefix (tests sharing one QuestDB); refused unless a plain identifier. */
export function reviewsTable(prefix: string): string {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`tablePrefix must match [A-Za-z0-9_]*: ${prefix}`);
  return `${prefix}period_reviews`;
}

export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
