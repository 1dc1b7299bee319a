import type { AlertEvent } from '../core/alert-events.js';
import type { AlertEventStore } from '../ports.js';
import { byEventOrder, fromRow, matches, toRow } from './alert-event-store-rows.js';

/**
 * The event log in process memory: the backtest's lifecycle (alerts/backtest.ts)
 * runs the same steps as the live one on it, so a replay of last year writes
 * nothing to the store and mails no one. Events go through the same row form as
 * the engines (a finding is kept as its JSON), so what reads back is what a store
 * would give. Held to the same contract as the engines' adapters.
 */
export function createMemoryAlertEventStore(): AlertEventStore {
  const rows = new Map<string, AlertEvent>();
  return {
    init: async () => undefined,
    async append(events) {
      for (const e of events) {
        const key = `${e.atMs}\u0000${e.alertId}\u0000${e.kind}`;
        if (!rows.has(key)) rows.set(key, fromRow(toRow(e)));
      }
    },
    async events(query) {
      const ids = query.alertIds === undefined ? undefined : new Set(query.alertIds);
      return [...rows.values()].filter((e) => matches(query, ids, e)).sort(byEventOrder);
    },
  };
}
