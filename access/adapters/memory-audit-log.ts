import type { AuditEntry, AuditLog } from '../ports.js';

/**
 * The audit log in process memory: for unit tests, and the wiring's log until
 * the engine adapters replace it. Append-only; entries come back oldest first.
 */
export function createMemoryAuditLog(): AuditLog {
  const entries: AuditEntry[] = [];
  return {
    init: async () => undefined,
    async append(batch) {
      entries.push(...batch.map((e) => structuredClone(e)));
    },
    async entries(query) {
      return entries
        .filter(
          (e) =>
            (query.fromMs === undefined || e.atMs >= query.fromMs) &&
            (query.toMs === undefined || e.atMs < query.toMs) &&
            (query.actor === undefined || e.actor === query.actor) &&
            (query.action === undefined || e.action === query.action),
        )
        .sort((a, b) => a.atMs - b.atMs)
        .slice(0, query.limit)
        .map((e) => structuredClone(e));
    },
  };
}
