import { validate } from 'node-cron';
import { z } from 'zod';

/** The `alerts.lifecycle` settings (docs/alerts.md): when the rules run, and how backtests replay them. */
export const lifecycleSettingsSchema = z.strictObject({
  /**
   * node-cron expression of the evaluation job, read in the fleet institutions' time zone; every
   * 15 minutes by default, the readings' usual interval. Runs never overlap; with N workers one runs it.
   */
  evaluationCron: z
    .string()
    .refine((cron) => validate(cron), { error: 'not a valid node-cron expression, e.g. "*/15 * * * *"' })
    .default('*/15 * * * *'),
  /**
   * node-cron expression of the live job (meter_offline from each meter's last reading, cheap), read
   * like evaluationCron: every minute by default, so a meter that goes silent raises its alert
   * within a minute or so, not at the next full evaluation.
   */
  liveEvaluationCron: z
    .string()
    .refine((cron) => validate(cron), { error: 'not a valid node-cron expression, e.g. "* * * * *"' })
    .default('* * * * *'),
  /** A backtest evaluates the rules at from, from + step, … before to (each instant as a live run would). */
  backtestStepMinutes: z.number().int().min(1).max(10_080).default(60),
  /** At most this many evaluation instants in one backtest (a year of hours is 8 760): beyond, BACKTEST_TOO_LONG. */
  backtestMaxSteps: z.number().int().min(1).max(1_000_000).default(10_000),
});

export type LifecycleSettings = z.infer<typeof lifecycleSettingsSchema>;
