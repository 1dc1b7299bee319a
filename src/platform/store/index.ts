export { SEGMENT_BUCKETS, type EdgeQuery, type EdgeReadings, type MeterSummary, type QuarantineQuery, type ReadingQuery, type ReadingStore, type RegisterSegment, type SegmentBucket, type SegmentQuery } from './reading-store.js';
export { createDuckDbStore, type DuckDbStoreOptions } from './duckdb-store.js';
export { createQuestDbStore, type QuestDbStoreOptions } from './questdb-store.js';
