/**
 * The alerts capability: energy quotas (能耗定额), learned baselines and meter health,
 * raised as alerts with a lifecycle kept as append-only events, and mailed to energy officers.
 */
export * from './core/index.js';
export type * from './ports.js';
export { ALERTS_CONFIG, alertSettingsSchema, type AlertSettings } from './alert-settings.js';
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
