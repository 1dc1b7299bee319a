import { AppError } from '../../src/kernel/index.js';
import { ROLES, type Role } from '../core/permissions.js';
import type { AuditEntry, AuditQuery } from '../ports.js';

/**
 * An audit entry as a table row, the same in every engine: the detail is JSON
 * text (read back whole, never queried into), a missing role is NULL. Rows have
 * no key: two equal entries (two refused requests in the same millisecond) are
 * two facts, so the log keeps both. Entries of one instant come back in the
 * order they were appended (a token's use before the acknowledgement it made),
 * in one batch and across batches.
 */
export interface AuditRow {
  readonly atMs: number;
  readonly actor: string;
  readonly role: string | null;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  readonly detail: string;
}

export function toAuditRow(entry: AuditEntry): AuditRow {
  return {
    atMs: entry.atMs,
    actor: entry.actor,
    role: entry.role ?? null,
    action: entry.action,
    target: entry.target,
    outcome: entry.outcome,
    detail: JSON.stringify(entry.detail),
  };
}

export function fromAuditRow(row: AuditRow): AuditEntry {
  if (row.role !== null && !(ROLES as readonly string[]).includes(row.role)) {
    throw unreadable(row, `an unknown role ${row.role}`);
  }
  let detail: unknown;
  try {
    detail = JSON.parse(row.detail);
  } catch (cause) {
    throw new AppError('STORE_QUERY_FAILED', `audit entry ${row.action} at ${row.atMs} holds unreadable JSON`, {
      cause,
    });
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw unreadable(row, 'a detail that is not an object');
  }
  return {
    atMs: row.atMs,
    actor: row.actor,
    ...(row.role === null ? {} : { role: row.role as Role }),
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    detail: detail as Record<string, unknown>,
  };
}

/** The query's limit, checked before it reaches SQL. */
export function auditLimit(query: AuditQuery): number {
  if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
    throw new AppError('BAD_LIMIT', `audit query limit must be a whole number >= 0, got ${query.limit}`);
  }
  return query.limit;
}

/** A table name under a prefix (tests sharing one QuestDB); refused unless a plain identifier. */
export function auditTable(prefix: string): string {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`tablePrefix must match [A-Za-z0-9_]*: ${prefix}`);
  return `${prefix}audit_log`;
}

function unreadable(row: AuditRow, what: string): AppError {
  return new AppError('STORE_QUERY_FAILED', `audit entry ${row.action} at ${row.atMs} holds ${what}`);
}
