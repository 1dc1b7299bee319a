import { z } from 'zod';

/** The `alerts.health` settings (docs/alerts.md). */
export const healthSettingsSchema = z.strictObject({});

export type HealthSettings = z.infer<typeof healthSettingsSchema>;
