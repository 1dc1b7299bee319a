export type { MeterSummary, QuarantineQuery, ReadingQuery, ReadingStore } from './reading-store.js';
export { createDuckDbStore, type DuckDbStoreOptions } from './duckdb-store.js';
export { createQuestDbStore, type QuestDbStoreOptions } from './questdb-store.js';
