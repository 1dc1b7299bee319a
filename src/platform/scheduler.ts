import { createTask, validate, type ScheduledTask } from 'node-cron';
import { Counter, type Registry } from 'prom-client';
import { runAsBackground } from './background-work.js';

/**
 * Scheduled jobs on node-cron. Each job has its own cron expression and time zone
 * (a monthly report cuts at local midnight, not UTC). Runs of one job never
 * overlap: a run that is due while the previous one is still going is skipped and
 * counted. A failing run is logged and counted, never fatal. With N workers each
 * job runs on one of them only: jobs are partitioned statically by name over
 * `workerCount`, and a worker schedules only the jobs of its `workerIndex`
 * (why this is safe without a lease: docs/scaling.md).
 */

export interface JobRunContext {
  /** When node-cron fired the run, UTC epoch ms. */
  readonly firedAtMs: number;
  /** Aborts when the scheduler stops; a long job should give up at its next step. */
  readonly signal: AbortSignal;
}

export interface ScheduledJob {
  /** Stable: it is the metric label and decides which worker owns the job. */
  readonly name: string;
  /** node-cron syntax; six fields for second resolution ("*\/5 * * * * *"), five for minutes. */
  readonly cron: string;
  /** IANA time zone in which the cron fields are read, e.g. Asia/Shanghai. */
  readonly timeZone: string;
  run(context: JobRunContext): Promise<void>;
}

export interface SchedulerLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SchedulerOptions {
  readonly jobs: readonly ScheduledJob[];
  /** This worker's place in [0, workerCount); every worker of a deployment needs a distinct one. */
  readonly workerIndex: number;
  /** How many workers share the jobs; the same number on every worker. */
  readonly workerCount: number;
  readonly registry: Registry;
  readonly log: SchedulerLog;
}

export type JobOutcome = 'success' | 'failure' | 'skipped_overlap';

export interface Scheduler {
  start(): void;
  /** Stops firing, aborts the runs in progress and waits for them to end. */
  stop(): Promise<void>;
  /** Names of the jobs this worker runs. */
  owned(): readonly string[];
  /** The next time a job fires here, UTC epoch ms; undefined before start and for a job another worker runs. */
  nextRunMs(job: string): number | undefined;
  /**
   * Runs a job now, as if it had fired (the same overlap rule and metrics), and resolves when the run ends:
   * e.g. the alert evaluation once the demo's backfill is stored. Undefined for a job another worker runs.
   */
  runNow(job: string): Promise<JobOutcome | undefined>;
}

/** The worker index that owns a job: FNV-1a of its name modulo the worker count, the same on every worker. */
export function jobOwner(jobName: string, workerCount: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(jobName, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % workerCount;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { log, workerIndex, workerCount } = options;
  const countOk = Number.isInteger(workerCount) && workerCount >= 1;
  if (!countOk || !Number.isInteger(workerIndex) || workerIndex < 0 || workerIndex >= workerCount) {
    throw new Error(`scheduler: workerIndex ${workerIndex} is not in [0, ${workerCount})`);
  }
  const names = new Set<string>();
  for (const job of options.jobs) {
    if (names.has(job.name)) throw new Error(`scheduler: job ${job.name} is defined twice`);
    names.add(job.name);
    if (!validate(job.cron)) throw new Error(`scheduler: job ${job.name} has an invalid cron expression ${job.cron}`);
    if (!isTimeZone(job.timeZone)) {
      throw new Error(`scheduler: job ${job.name} has an unknown time zone ${job.timeZone}`);
    }
  }
  const runs = jobRunsCounter(options.registry);
  const abort = new AbortController();
  const inFlight = new Map<string, Promise<void>>();
  const owned = options.jobs.filter((job) => jobOwner(job.name, workerCount) === workerIndex);
  const tasks = new Map<string, ScheduledTask>();

  const fire = (job: ScheduledJob, firedAtMs: number): Promise<JobOutcome> | undefined => {
    if (abort.signal.aborted) return undefined;
    if (inFlight.has(job.name)) {
      runs.inc({ job: job.name, outcome: 'skipped_overlap' });
      log.warn({ job: job.name }, 'job still running when due again; this run is skipped');
      return Promise.resolve('skipped_overlap');
    }
    const run = (async (): Promise<JobOutcome> => {
      const startedMs = Date.now();
      try {
        await runAsBackground(() => job.run({ firedAtMs, signal: abort.signal }));
        runs.inc({ job: job.name, outcome: 'success' });
        log.debug({ job: job.name, durationMs: Date.now() - startedMs }, 'job run finished');
        return 'success';
      } catch (error) {
        runs.inc({ job: job.name, outcome: 'failure' });
        log.error({ err: error, job: job.name, durationMs: Date.now() - startedMs }, 'job run failed');
        return 'failure';
      } finally {
        inFlight.delete(job.name);
      }
    })();
    inFlight.set(
      job.name,
      run.then(() => undefined),
    );
    return run;
  };

  return {
    start() {
      for (const job of owned) {
        if (tasks.has(job.name)) continue;
        // Our own wrapper keeps runs from overlapping and counts skips; node-cron only fires.
        const task = createTask(job.cron, (context) => void fire(job, context.triggeredAt.getTime()), {
          name: job.name,
          timezone: job.timeZone,
          logger: cronLogger(log, job.name),
        });
        tasks.set(job.name, task);
        void task.start();
      }
      log.info(
        { workerIndex, workerCount, owned: owned.map((j) => j.name), elsewhere: options.jobs.length - owned.length },
        'scheduler started',
      );
    },
    async stop() {
      abort.abort();
      for (const task of tasks.values()) await task.destroy();
      tasks.clear();
      await Promise.all(inFlight.values());
    },
    owned: () => owned.map((j) => j.name),
    nextRunMs: (job) => tasks.get(job)?.getNextRun()?.getTime(),
    async runNow(name) {
      const job = owned.find((j) => j.name === name);
      return job ? fire(job, Date.now()) : undefined;
    },
  };
}

function jobRunsCounter(registry: Registry): Counter<'job' | 'outcome'> {
  const existing = registry.getSingleMetric('tanhe_job_runs_total');
  if (existing) return existing as Counter<'job' | 'outcome'>;
  return new Counter({
    name: 'tanhe_job_runs_total',
    help: 'Scheduled job runs by outcome: success, failure, skipped_overlap (the previous run was still going)',
    labelNames: ['job', 'outcome'],
    registers: [registry],
  });
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** node-cron's own messages (e.g. a missed run after the event loop was blocked) go to our log. */
function cronLogger(log: SchedulerLog, job: string) {
  const text = (message: string | Error) => (message instanceof Error ? message.message : message);
  return {
    info: (message: string) => log.debug({ job }, `node-cron: ${message}`),
    warn: (message: string) => log.warn({ job }, `node-cron: ${message}`),
    error: (message: string | Error, err?: Error) =>
      log.error({ job, err: err ?? message }, `node-cron: ${text(message)}`),
    debug: (message: string | Error) => log.debug({ job }, `node-cron: ${text(message)}`),
  };
}
