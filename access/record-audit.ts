import type { AuditEntry, AuditLog } from './ports.js';

export type RecordAudit = (entries: readonly AuditEntry[]) => Promise<void>;

/**
 * Appends to the audit log. An entry without an actor or action is a bug in the
 * caller, refused here so that the log never holds a line nobody can read.
 */
export function createRecordAudit(deps: { readonly audit: AuditLog }): RecordAudit {
  return async (entries) => {
    for (const e of entries) {
      if (e.actor === '' || e.action === '') throw new Error('an audit entry needs an actor and an action');
    }
    if (entries.length > 0) await deps.audit.append(entries);
  };
}
