import type { ReviewStep } from './core/review-state.js';

/**
 * What the review up the tree keeps (docs/periods.md, "Review up the tree"): its steps, append-only in
 * the table period_reviews, one adapter per engine in periods/adapters (the
 * periods capability's other ports are in ports.ts).
 */
export interface ReviewStore {
  /** Creates the table; idempotent. */
  init(): Promise<void>;
  /**
   * Appends steps; a step already stored under its key (atMs, orgId, period,
   * actor) is stored once, so a retried append changes nothing. Two callers
   * acting at the same instant are two rows, ordered by actor, and the replay
   * keeps the first (the use case never writes two different steps under one
   * key). Resolves once the steps are visible to `steps`.
   */
  append(steps: readonly ReviewStep[]): Promise<void>;
  /** The steps of the period (and of these institutions, when given), ascending by (atMs, orgId, actor). */
  steps(query: ReviewStepQuery): Promise<ReviewStep[]>;
}

export interface ReviewStepQuery {
  readonly period: string;
  readonly orgIds?: readonly string[];
}
