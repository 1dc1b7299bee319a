/**
 * What the periods capability keeps and reads. Closed reports and review steps
 * are append-only (a revision or a review step is a new row; nothing is
 * updated), one adapter per engine in periods/adapters.
 */

/** A closed period's revision, as the review workflow refers to it. */
export interface ClosedRevisionRef {
  /** The org unit or institution the period was closed for. */
  readonly orgId: string;
  /** "YYYY-MM" or "YYYY". */
  readonly period: string;
  /** 1 for the first close, N+1 for each revision after it. */
  readonly revision: number;
  /** Hex SHA-256 of the revision's canonical JSON (RFC 8785). */
  readonly digest: string;
  readonly closedAtMs: number;
}

/** The closed revisions the review workflow binds its steps to (close-period provides it). */
export interface ClosedRevisions {
  /** The newest revision of (org, period), or undefined when it was never closed. */
  latest(orgId: string, period: string): Promise<ClosedRevisionRef | undefined>;
}
