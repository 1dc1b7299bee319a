import type { ReviewStep } from '../core/review-state.js';
import type { ReviewStore } from '../review-ports.js';
import { byStepOrder, fromRow, matches, stepKey, toRow } from './review-store-rows.js';

/**
 * The review steps in process memory, for tests and tools that must not touch
 * a store. Steps go through the engines' row form, so what reads back is what a
 * store would give; held to the same contract as the engines' adapters.
 */
export function createMemoryReviewStore(): ReviewStore {
  const rows = new Map<string, ReviewStep>();
  return {
    init: async () => undefined,
    async append(steps) {
      for (const s of steps) if (!rows.has(stepKey(s))) rows.set(stepKey(s), fromRow(toRow(s)));
    },
    async steps(query) {
      const ids = query.orgIds === undefined ? undefined : new Set(query.orgIds);
      return [...rows.values()].filter((s) => matches(query, ids, s)).sort(byStepOrder);
    },
  };
}
