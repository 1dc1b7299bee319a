/**
 * The alerts capability: energy quotas (能耗定额), learned baselines and meter health,
 * raised as alerts with a lifecycle kept as append-only events, and mailed to energy officers.
 */
export * from './core/index.js';
export type * from './ports.js';
export { ALERTS_CONFIG, alertSettingsSchema, type AlertSettings } from './alert-settings.js';
export * from './core/meter-health-offline.js';
export {
  createMeterHealthRules,
  METER_HEALTH_RULES,
  type MeterHealthDeps,
  type MeterHealthRules,
} from './meter-health-rules.js';
export { healthSettingsSchema, type HealthSettings } from './settings/health-settings.js';
