import type { ScheduledJob } from '../src/platform/index.js';
import type { RunChecks } from './run-checks.js';
import type { LifecycleSettings } from './settings/lifecycle-settings.js';

/** Counts a run reports; the job's log line carries them. */
export interface AlertJobLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface AlertJobsDeps {
  readonly runChecks: RunChecks;
  readonly settings: { readonly enabled: boolean; readonly lifecycle: Pick<LifecycleSettings, 'evaluationCron'> };
  /** The zone the cron fields are read in: the fleet institutions' (accounting's timeZoneOf). */
  readonly timeZone: string;
  readonly log: AlertJobLog;
}

/** The evaluation job's name: stable, it decides which worker runs it (src/platform/scheduler.ts). */
export const ALERT_EVALUATION_JOB = 'alerts-evaluate';

/**
 * The alerts' scheduled jobs (docs/alerts.md): the evaluation of every rule at
 * the instant the cron fired (whole seconds, so two workers misconfigured to
 * both run it would write the same events, which the store collapses). The
 * scheduler keeps runs from overlapping and runs the job on one worker of N.
 * A family that fails fails the run (counted and logged by the scheduler) after
 * the other families' findings are applied. None when alerts are off.
 */
export function createAlertJobs(deps: AlertJobsDeps): ScheduledJob[] {
  if (!deps.settings.enabled) return [];
  return [
    {
      name: ALERT_EVALUATION_JOB,
      cron: deps.settings.lifecycle.evaluationCron,
      timeZone: deps.timeZone,
      async run({ firedAtMs, signal }) {
        const asOfMs = Math.floor(firedAtMs / 1_000) * 1_000;
        const run = await deps.runChecks(asOfMs, { signal });
        const fields = {
          asOf: new Date(asOfMs).toISOString(),
          findings: run.findings,
          opened: run.opened.length,
          resolved: run.resolved.length,
        };
        if (run.events.length > 0) deps.log.info(fields, 'alert evaluation changed alerts');
        if (run.failures.length > 0) {
          const families = run.failures.map((f) => f.family);
          deps.log.warn({ ...fields, families }, 'alert rule families failed; the others were applied');
          throw new AggregateError(
            run.failures.map((f) => f.error),
            `alert rule families failed: ${families.join(', ')}`,
          );
        }
      },
    },
  ];
}
