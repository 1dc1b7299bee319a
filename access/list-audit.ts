import { AppError } from '../src/kernel/index.js';
import type { AuditEntry, AuditLog, AuditQuery } from './ports.js';

export type ListAudit = (query: AuditQuery) => Promise<AuditEntry[]>;

/** The audit log, oldest first within [fromMs, toMs), by actor and action; BAD_TIME_RANGE when from >= to. */
export function createListAudit(deps: { readonly audit: AuditLog }): ListAudit {
  return async (query) => {
    if (query.fromMs !== undefined && query.toMs !== undefined && query.fromMs >= query.toMs) {
      throw new AppError('BAD_TIME_RANGE', 'from must be before to');
    }
    return deps.audit.entries(query);
  };
}
