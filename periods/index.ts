/** The periods capability: closing a period, signed revisions with diffs, verification, the review up the tree. */
export type * from './ports.js';
export * from './core/index.js';
export { createMemoryPeriodStore } from './adapters/memory-period-store.js';
export { createDuckDbPeriodStore } from './adapters/duckdb-period-store.js';
export { createQuestDbPeriodStore, type QuestDbPeriodStoreOptions } from './adapters/questdb-period-store.js';
