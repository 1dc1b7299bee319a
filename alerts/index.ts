/**
 * The alerts capability: energy quotas (能耗定额), learned baselines and meter health,
 * raised as alerts with a lifecycle kept as append-only events, and mailed to energy officers.
 */
export * from './core/index.js';
export type * from './ports.js';
export { ALERTS_CONFIG, alertSettingsSchema, type AlertSettings } from './alert-settings.js';
export { applyFindings } from './core/apply-findings.js';
export { createDuckDbAlertEventStore } from './adapters/duckdb-alert-event-store.js';
export {
  createQuestDbAlertEventStore,
  type QuestDbAlertEventStore,
  type QuestDbAlertEventStoreOptions,
} from './adapters/questdb-alert-event-store.js';
export { createMemoryAlertEventStore } from './adapters/memory-alert-event-store.js';
