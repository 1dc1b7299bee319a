import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../tests/support/eventually.js';
import { isBackgroundWork } from './background-work.js';
import { createScheduler, jobOwner, type ScheduledJob, type Scheduler, type SchedulerOptions } from './scheduler.js';

// Real node-cron schedules at second resolution; effects are polled, never slept for.
const EVERY_SECOND = '* * * * * *';
const SECONDS_5 = { timeoutMs: 5_000 };
const running: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

const logged: { level: string; fields: object; message: string }[] = [];
const log: SchedulerOptions['log'] = {
  debug: () => undefined,
  info: () => undefined,
  warn: (fields, message) => logged.push({ level: 'warn', fields, message }),
  error: (fields, message) => logged.push({ level: 'error', fields, message }),
};

function start(jobs: ScheduledJob[], worker: { index: number; count: number } = { index: 0, count: 1 }) {
  const registry = new Registry();
  const scheduler = createScheduler({ jobs, workerIndex: worker.index, workerCount: worker.count, registry, log });
  running.push(scheduler);
  scheduler.start();
  return { scheduler, runs: (job: string, outcome: string) => jobRuns(registry, job, outcome) };
}

async function jobRuns(registry: Registry, job: string, outcome: string): Promise<number> {
  const metric = await registry.getSingleMetric('tanhe_job_runs_total')?.get();
  return metric?.values.find((v) => v.labels.job === job && v.labels.outcome === outcome)?.value ?? 0;
}

const job = (name: string, run: ScheduledJob['run'], cron = EVERY_SECOND): ScheduledJob => ({
  name,
  cron,
  timeZone: 'Asia/Shanghai',
  run,
});

describe('scheduler', () => {
  it('runs a job as background work (a request goes first for a DuckDB read connection)', async () => {
    const seen: boolean[] = [];
    const { scheduler } = start([job('marked', async () => void seen.push(isBackgroundWork()), '0 0 1 1 *')]);
    expect(await scheduler.runNow('marked')).toBe('success');
    expect(seen).toEqual([true]);
    expect(isBackgroundWork()).toBe(false);
  });

  it('runs a job on its schedule and counts each run', async () => {
    const fired: number[] = [];
    const { runs } = start([job('tick', async ({ firedAtMs }) => void fired.push(firedAtMs))]);
    await eventually(async () => expect(await runs('tick', 'success')).toBeGreaterThanOrEqual(2), { timeoutMs: 5_000 });
    expect(fired[1]! - fired[0]!).toBeGreaterThanOrEqual(900);
  });

  it('skips and counts a run that is due while the previous one is still going', async () => {
    let release: () => void = () => undefined;
    let started = 0;
    const { runs } = start([
      job('slow', () => {
        started++;
        return new Promise<void>((resolve) => (release = resolve));
      }),
    ]);
    await eventually(async () => expect(await runs('slow', 'skipped_overlap')).toBeGreaterThanOrEqual(1), SECONDS_5);
    expect(started).toBe(1);
    release();
    await eventually(async () => expect(await runs('slow', 'success')).toBeGreaterThanOrEqual(1));
    expect(logged.some((l) => l.level === 'warn' && (l.fields as { job?: string }).job === 'slow')).toBe(true);
  });

  it('logs and counts a failing run, and keeps running the job', async () => {
    let calls = 0;
    const { runs } = start([
      job('flaky', async () => {
        calls++;
        throw new Error(`failure ${calls}`);
      }),
    ]);
    await eventually(async () => expect(await runs('flaky', 'failure')).toBeGreaterThanOrEqual(2), SECONDS_5);
    const errors = logged.filter((l) => l.level === 'error' && (l.fields as { job?: string }).job === 'flaky');
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it('reads the cron fields in the job time zone', () => {
    const daily = (timeZone: string): ScheduledJob => ({
      name: `daily-${timeZone}`,
      cron: '0 0 1 * * *',
      timeZone,
      run: async () => undefined,
    });
    const { scheduler: shanghai } = start([daily('Asia/Shanghai')]);
    const { scheduler: utc } = start([daily('UTC')]);
    // 01:00 in Shanghai (UTC+8, no DST) is 17:00 UTC of the day before.
    expect(new Date(shanghai.nextRunMs('daily-Asia/Shanghai')!).getUTCHours()).toBe(17);
    expect(new Date(utc.nextRunMs('daily-UTC')!).getUTCHours()).toBe(1);
  });

  it('with N workers, each job is owned by exactly one of them, and only its owner runs it', async () => {
    const names = ['monthly-report', 'quota-check', 'outbox', 'baseline', 'meter-health', 'cleanup', 'digest'];
    const count = 3;
    const owners = names.map((name) => jobOwner(name, count));
    expect(owners.every((o) => o >= 0 && o < count)).toBe(true);
    const yearly = names.map((n) => job(n, async () => undefined, '0 0 1 1 1 *'));
    const workers = [0, 1, 2].map((index) => start(yearly, { index, count }));
    const ownedAll = workers.flatMap((w) => w.scheduler.owned());
    expect([...ownedAll].sort()).toEqual([...names].sort());

    // Two workers, one job due every second: only the owner's counter moves.
    const shared = 'shared-tick';
    const two = [0, 1].map((index) => start([job(shared, async () => undefined)], { index, count: 2 }));
    const owner = jobOwner(shared, 2);
    await eventually(
      async () => expect(await two[owner]!.runs(shared, 'success')).toBeGreaterThanOrEqual(2),
      SECONDS_5,
    );
    expect(await two[1 - owner]!.runs(shared, 'success')).toBe(0);
    expect(two[1 - owner]!.scheduler.nextRunMs(shared)).toBeUndefined();
  });

  it('stop aborts a run in progress, waits for it, and removes the schedule', async () => {
    let aborted = false;
    let calls = 0;
    const { scheduler, runs } = start([
      job('long', ({ signal }) => {
        calls++;
        return new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        );
      }),
    ]);
    await eventually(() => expect(calls).toBe(1), { timeoutMs: 5_000 });
    await scheduler.stop();
    expect(aborted).toBe(true);
    expect(await runs('long', 'success')).toBe(1);
    expect(scheduler.nextRunMs('long')).toBeUndefined();
  });

  it('rejects a bad worker index, cron expression or time zone, and a job defined twice', () => {
    const registry = new Registry();
    const ok = job('a', async () => undefined);
    expect(() => createScheduler({ jobs: [ok], workerIndex: 2, workerCount: 2, registry, log })).toThrow(/workerIndex/);
    const one = { workerIndex: 0, workerCount: 1, registry, log };
    expect(() => createScheduler({ ...one, jobs: [{ ...ok, cron: '61 * * * *' }] })).toThrow(/cron/);
    expect(() => createScheduler({ ...one, jobs: [{ ...ok, timeZone: 'Mars/Olympus' }] })).toThrow(/time zone/);
    expect(() => createScheduler({ jobs: [ok, ok], workerIndex: 0, workerCount: 1, registry, log })).toThrow(/twice/);
  });
});
