export * from './ingest-types.js';
export { processMessage, type MessageContext } from './process-message.js';
export { matchTopic, stripSharePrefix } from './topic-match.js';
export { RecentKeys, type KeyVerdict } from './recent-keys.js';
export { encodeSpoolRecord, decodeSpoolRecord, type SpoolRecord } from './spool-record.js';
export { refusedQuarantineRecord, refusedReadingRecord } from './store-refusal.js';
export { batchWaitMs, LINGER_FACTOR, MIN_BATCH_FRACTION, type BatchState } from './batch-wait.js';
