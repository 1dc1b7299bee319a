import { z } from 'zod';

/** The `alerts.baseline` settings (docs/alerts.md). */
export const baselineSettingsSchema = z.strictObject({});

export type BaselineSettings = z.infer<typeof baselineSettingsSchema>;
