import { z } from 'zod';

/** The `alerts.quotas` settings (docs/alerts.md). */
export const quotaSettingsSchema = z.strictObject({});

export type QuotaSettings = z.infer<typeof quotaSettingsSchema>;
