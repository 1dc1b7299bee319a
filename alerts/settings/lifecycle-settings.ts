import { z } from 'zod';

/** The `alerts.lifecycle` settings (docs/alerts.md). */
export const lifecycleSettingsSchema = z.strictObject({});

export type LifecycleSettings = z.infer<typeof lifecycleSettingsSchema>;
