import { z } from 'zod';
import type { ConfigProblem, SettingsCheck } from '../../config/index.js';

const positive = () => z.number().positive();
const percent = () => z.number().min(0).max(100);

/**
 * The `alerts.health` settings (docs/alerts.md, "Meter health"): one sub-section per
 * rule, each with defaults, so a config without `alerts:` still loads. Event rules
 * clear after `quietHours` without evidence; rate rules have a clear threshold
 * below the raise threshold (hysteresis).
 */
export const healthSettingsSchema = z
  .strictObject({
    /**
     * How far back the rules look for the start of an episode (days), on a fixed
     * grid: the history read is one to two lookbacks long.
     */
    lookbackDays: z.number().int().positive().default(3),
    offline: z
      .strictObject({
        /** Offline after this many expected intervals without a reading (device time). */
        afterIntervals: positive().default(4),
      })
      .prefault({}),
    stuck: z
      .strictObject({
        /** A cumulative register unchanged for at least this many hours … */
        flatHours: positive().default(6),
        /** … while a parent, sibling or child meter moved at least this much per hour (its unit). */
        referenceMinPerHour: z.number().nonnegative().default(0.5),
      })
      .prefault({}),
    held: z
      .strictObject({
        windowHours: positive().default(24),
        quietHours: positive().default(48),
      })
      .prefault({}),
    sequence: z
      .strictObject({
        windowHours: positive().default(24),
        quietHours: positive().default(48),
        /** Raise at this many missing sequence numbers in the window. */
        minMissing: z.number().int().positive().default(1),
      })
      .prefault({}),
    clockSkew: z
      .strictObject({
        windowHours: positive().default(24),
        quietHours: positive().default(48),
        /** Device time ahead of arrival by more than this is skew. */
        toleranceMinutes: positive().default(10),
        /** Hysteresis: the alert may clear once no reading is ahead by more than this. */
        clearToleranceMinutes: positive().default(5),
      })
      .prefault({}),
    imbalance: z
      .strictObject({
        /** |parent − Σ children| / parent, after the expected losses, above this raises. */
        thresholdPercent: percent().default(10),
        clearPercent: percent().default(7),
        /** Losses and small unmetered loads expected between a parent and its children. */
        expectedLossPercent: percent().default(2),
        /** Per parent meter id: its own expected losses. */
        expectedLossPercentByMeter: z.record(z.string(), percent()).default({}),
        /** A day is judged only if every meter of the balance has this share of its expected readings. */
        minCompleteness: z.number().min(0).max(1).default(0.9),
      })
      .prefault({}),
    quarantineRate: z
      .strictObject({
        windowHours: positive().default(24),
        quietHours: positive().default(48),
        thresholdPercent: percent().default(5),
        clearPercent: percent().default(2),
        minCount: z.number().int().positive().default(3),
      })
      .prefault({}),
  })
  .refine((s) => s.clockSkew.clearToleranceMinutes <= s.clockSkew.toleranceMinutes, {
    path: ['clockSkew', 'clearToleranceMinutes'],
    message: 'clearToleranceMinutes must not exceed toleranceMinutes',
  })
  .refine((s) => s.imbalance.clearPercent <= s.imbalance.thresholdPercent, {
    path: ['imbalance', 'clearPercent'],
    message: 'clearPercent must not exceed thresholdPercent',
  })
  .refine((s) => s.quarantineRate.clearPercent <= s.quarantineRate.thresholdPercent, {
    path: ['quarantineRate', 'clearPercent'],
    message: 'clearPercent must not exceed thresholdPercent',
  });

export type HealthSettings = z.infer<typeof healthSettingsSchema>;

/** The per-meter expected losses name parent meters of the fleet. */
export const healthSettingsCheck: SettingsCheck = (settings, fleet) => {
  const parsed = healthSettingsSchema.safeParse((settings.alerts as { health?: unknown } | undefined)?.health ?? {});
  if (!parsed.success) return [];
  const parents = new Set(fleet.meters.flatMap((m) => (m.parent === undefined ? [] : [m.parent])));
  const known = new Set(fleet.meters.map((m) => m.id));
  const problems: ConfigProblem[] = [];
  for (const id of Object.keys(parsed.data.imbalance.expectedLossPercentByMeter)) {
    if (parents.has(id)) continue;
    problems.push({
      path: `alerts.health.imbalance.expectedLossPercentByMeter.${id}`,
      message: known.has(id) ? `meter "${id}" has no sub-meters to balance` : `unknown meter "${id}"`,
    });
  }
  return problems;
};
