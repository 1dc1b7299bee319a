import { z } from 'zod';

/** The `alerts.email` settings (docs/alerts.md). */
export const emailSettingsSchema = z.strictObject({});

export type EmailSettings = z.infer<typeof emailSettingsSchema>;
