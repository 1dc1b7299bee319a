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
export {
  createRunChecks,
  type ChecksRun,
  type RunChecks,
  type RunChecksDeps,
  type RunChecksOptions,
} from './run-checks.js';
export {
  createAcknowledgeAlert,
  createResolveAlert,
  readAlert,
  type AcknowledgeAlert,
  type AcknowledgeRequest,
  type AlertActionDeps,
  type ResolveAlert,
  type ResolveRequest,
} from './acknowledge-alert.js';
export {
  createListAlerts,
  subjectsUnder,
  type AlertCursor,
  type AlertOrgScope,
  type AlertPage,
  type ListAlerts,
  type ListAlertsQuery,
} from './list-alerts.js';
export { createBacktest, type Backtest, type BacktestDeps, type BacktestQuery, type BacktestRun } from './backtest.js';
export {
  ALERT_EVALUATION_JOB,
  ALERT_LIVE_JOB,
  createAlertJobs,
  type AlertJobLog,
  type AlertJobsDeps,
} from './alert-jobs.js';
export { lifecycleSettingsSchema, type LifecycleSettings } from './settings/lifecycle-settings.js';
export * from './core/notification-plan.js';
export * from './core/render-email.js';
export {
  checkEmailRecipients,
  emailSettingsSchema,
  type EmailSettings,
  type Recipient,
} from './settings/email-settings.js';
export * from './deliver-outbox.js';
export { createDuckDbOutboxStore } from './adapters/duckdb-outbox-store.js';
export { createQuestDbOutboxStore, type QuestDbOutboxStoreOptions } from './adapters/questdb-outbox-store.js';
export { createSmtpMailer, smtpMailerOptions, type SmtpMailerOptions } from './adapters/smtp-mailer.js';
export * from './core/meter-health-offline.js';
export {
  createMeterHealthRules,
  METER_HEALTH_RULES,
  type MeterHealthDeps,
  type MeterHealthRules,
} from './meter-health-rules.js';
export { healthSettingsSchema, type HealthSettings } from './settings/health-settings.js';
export {
  createQuotaRules,
  localYearOf,
  type QuotaProgressItem,
  type QuotaProgressQuery,
  type QuotaProgressReport,
  type QuotaRules,
  type QuotaRulesDeps,
  type QuotaRulesOptions,
} from './quota-rules.js';
export * from './baseline-rules.js';
