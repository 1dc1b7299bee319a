import { z } from 'zod';
import type { ConfigExtension, SettingsCheck } from '../config/index.js';
import { baselineSettingsSchema } from './settings/baseline-settings.js';
import { checkEmailRecipients, emailSettingsSchema } from './settings/email-settings.js';
import { healthSettingsCheck, healthSettingsSchema } from './settings/health-settings.js';
import { lifecycleSettingsSchema } from './settings/lifecycle-settings.js';
import { checkQuotaSettings, quotaSettingsSchema } from './settings/quota-settings.js';

/**
 * The `alerts:` section of the configuration, owned by the alerts capability (config/
 * imports no capability); the shell adds it through ALERTS_CONFIG (src/load-app-config.ts).
 * Each rule family and the mailer own their sub-section (alerts/settings/).
 */
export const alertSettingsSchema = z.strictObject({
  /** Off: no evaluation job, no mail (the API still lists stored alerts). */
  enabled: z.boolean().default(true),
  quotas: quotaSettingsSchema.prefault({}),
  baseline: baselineSettingsSchema.prefault({}),
  health: healthSettingsSchema.prefault({}),
  lifecycle: lifecycleSettingsSchema.prefault({}),
  email: emailSettingsSchema.prefault({}),
});

export type AlertSettings = z.infer<typeof alertSettingsSchema>;

/** Checks of the alerts section against the fleet (a quota naming an unknown institution, …). */
const ALERT_SETTINGS_CHECKS: readonly SettingsCheck[] = [checkEmailRecipients, healthSettingsCheck, checkQuotaSettings];

export const ALERTS_CONFIG = {
  sections: { alerts: alertSettingsSchema.prefault({}) },
  envOverrides: { TANHE_ALERTS: 'alerts.enabled' },
  settingsChecks: ALERT_SETTINGS_CHECKS,
} as const satisfies ConfigExtension;
