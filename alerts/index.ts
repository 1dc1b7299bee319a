/**
 * The alerts capability: energy quotas (能耗定额), learned baselines and meter health,
 * raised as alerts with a lifecycle kept as append-only events, and mailed to energy officers.
 */
export * from './core/index.js';
export type * from './ports.js';
export { ALERTS_CONFIG, alertSettingsSchema, type AlertSettings } from './alert-settings.js';
export * from './baseline-rules.js';
