/** The ingest capability: MQTT → validation → durable spool → store. */
export * from './core/index.js';
export type * from './ports.js';
export { createMessageReceiver, type MessageReceiver, type ReceiveDeps } from './receive-message.js';
export { createSpoolDrainer, type DrainDeps, type SpoolDrainer } from './drain-spool.js';
export { FileSpool, type FileSpoolOptions } from './adapters/file-spool.js';
export {
  startMqttSubscriber,
  type MqttSubscriber,
  type MqttSubscriberOptions,
  type MqttTlsOptions,
} from './adapters/mqtt-subscriber.js';
export { createPrometheusIngestMetrics } from './adapters/prometheus-ingest-metrics.js';
export { createQuestDbReadingStore, type QuestDbReadingStoreOptions } from './adapters/questdb-reading-store.js';
export { createDuckDbReadingStore } from './adapters/duckdb-reading-store.js';
export { duckDbRowToReading, prefixedTableName, questDbRowToReading } from './adapters/readings-table.js';
