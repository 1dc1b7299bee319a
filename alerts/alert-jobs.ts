import type { ScheduledJob } from '../src/platform/index.js';
import type { RuleFamily } from './ports.js';
import type { RunChecks } from './run-checks.js';
import type { LifecycleSettings } from './settings/lifecycle-settings.js';

/** Counts a run reports; the job's log line carries them. */
export interface AlertJobLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface AlertJobsDeps {
  readonly runChecks: RunChecks;
  readonly settings: {
    readonly enabled: boolean;
    readonly lifecycle: Pick<LifecycleSettings, 'evaluationCron'> &
      Partial<Pick<LifecycleSettings, 'liveEvaluationCron'>>;
  };
  /** The live families (meter-health's `live`), run by their own frequent job; none: no live job. */
  readonly liveFamilies?: readonly RuleFamily[];
  /** The zone the cron fields are read in: the fleet institutions' (accounting's timeZoneOf). */
  readonly timeZone: string;
  readonly log: AlertJobLog;
}

/** The evaluation job's name: stable, it decides which worker runs it (src/platform/scheduler.ts). */
export const ALERT_EVALUATION_JOB = 'alerts-evaluate';
/** The live job's name (the live families every minute). */
export const ALERT_LIVE_JOB = 'alerts-live';

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
  const live = deps.liveFamilies ?? [];
  const jobs = [evaluationJob(deps, ALERT_EVALUATION_JOB, deps.settings.lifecycle.evaluationCron, undefined)];
  if (live.length > 0) {
    const cron = deps.settings.lifecycle.liveEvaluationCron ?? '* * * * *';
    jobs.push(evaluationJob(deps, ALERT_LIVE_JOB, cron, live));
  }
  return jobs;
}

/**
 * A job evaluating the families (all, or the live ones) at the instant its cron fired. Both go
 * through the one `runChecks`, whose runs never overlap, so the alerts' state stays one.
 */
function evaluationJob(
  deps: AlertJobsDeps,
  name: string,
  cron: string,
  families: readonly RuleFamily[] | undefined,
): ScheduledJob {
  return {
    name,
    cron,
    timeZone: deps.timeZone,
    async run({ firedAtMs, signal }) {
      const asOfMs = Math.floor(firedAtMs / 1_000) * 1_000;
      const run = await deps.runChecks(asOfMs, { signal, ...(families === undefined ? {} : { families }) });
      const fields = {
        asOf: new Date(asOfMs).toISOString(),
        findings: run.findings,
        opened: run.opened.length,
        resolved: run.resolved.length,
      };
      if (run.events.length > 0) deps.log.info(fields, 'alert evaluation changed alerts');
      if (run.failures.length > 0) {
        const failed = run.failures.map((f) => f.family);
        deps.log.warn({ ...fields, families: failed }, 'alert rule families failed; the others were applied');
        throw new AggregateError(
          run.failures.map((f) => f.error),
          `alert rule families failed: ${failed.join(', ')}`,
        );
      }
    },
  };
}
