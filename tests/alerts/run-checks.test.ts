import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALERT_EVALUATION_JOB,
  ALERT_LIVE_JOB,
  alertIdOf,
  createAlertJobs,
  createDuckDbAlertEventStore,
  createRunChecks,
  deriveAlerts,
  type AlertEventStore,
} from '../../alerts/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import { createScheduler } from '../../src/platform/index.js';
import { eventually } from '../support/eventually.js';
import { failingFamily, finding, scriptedFamily, thresholdFamily } from '../support/fake-rule-families.js';

// run-checks over the real DuckDB event store, with fake families whose verdicts are functions of the instant.
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);
const inst = { kind: 'institution' as const, id: 'inst1' };
const m1 = { kind: 'meter' as const, id: 'm000' };

let client: DuckDbClient;
let store: AlertEventStore;

beforeEach(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  store = createDuckDbAlertEventStore(client);
  await store.init();
});
afterEach(async () => {
  await client.close();
});

describe('runChecks', () => {
  it('opens, holds and resolves through the store, and says what changed', async () => {
    const values = [70, 82, 78, 81, 72];
    const family = thresholdFamily({
      name: 'quota',
      rule: 'quota_projection',
      subject: inst,
      window: () => '2026',
      value: (asOfMs) => values[(asOfMs - T0) / HOUR] ?? 0,
      raiseAt: 80,
      clearBelow: 75,
    });
    const runChecks = createRunChecks({ families: [family], store });
    const runs = [];
    for (let i = 0; i < values.length; i++) runs.push(await runChecks(T0 + i * HOUR));
    expect(runs.map((r) => [r.findings, r.opened.length, r.resolved.length])).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [1, 0, 0],
      [1, 0, 0],
      [1, 0, 1],
    ]);
    expect(runs[1]?.opened[0]?.id).toBe('quota_projection:institution:inst1:2026');
    expect(runs[4]?.resolved[0]?.resolved).toEqual({ atMs: T0 + 4 * HOUR, by: 'system', note: undefined });
    const [alert] = deriveAlerts(await store.events({}));
    expect(alert?.events.map((e) => [e.kind, e.atMs])).toEqual([
      ['opened', T0 + HOUR],
      ['resolved', T0 + 4 * HOUR],
    ]);
  });

  it("sees a person's resolution written by another process, and a fresh process sees the open alerts", async () => {
    const raising = scriptedFamily('health', ['stuck_register'], () => [finding('stuck_register', m1, 'w1', 'raise')]);
    await createRunChecks({ families: [raising], store })(T0);
    const id = alertIdOf(finding('stuck_register', m1, 'w1', 'raise'));

    // A new process (empty index) learns the open alert from the log and resolves it on clear.
    const clearing = scriptedFamily('health', ['stuck_register'], () => [finding('stuck_register', m1, 'w2', 'clear')]);
    const fresh = createRunChecks({ families: [clearing], store });
    expect((await fresh(T0 + HOUR)).resolved.map((a) => a.id)).toEqual([id]);

    // Re-raised in a new window; a person resolves it behind the run's back; the clear then writes nothing.
    const both = scriptedFamily('health', ['stuck_register'], (asOfMs) => [
      finding('stuck_register', m1, 'w3', asOfMs < T0 + 3 * HOUR ? 'raise' : 'clear'),
    ]);
    const run = createRunChecks({ families: [both], store });
    await run(T0 + 2 * HOUR);
    const w3 = alertIdOf(finding('stuck_register', m1, 'w3', 'raise'));
    await store.append([{ alertId: w3, kind: 'resolved', atMs: T0 + 2 * HOUR + 1, actor: 'li', text: 'fixed' }]);
    expect((await run(T0 + 3 * HOUR)).events).toEqual([]);
    expect(deriveAlerts(await store.events({ alertIds: [w3] }))[0]?.resolved?.by).toBe('li');
  });

  it('applies the other families when one fails, and reports the failure', async () => {
    const raising = scriptedFamily('health', ['clock_skew'], () => [finding('clock_skew', m1, 'w', 'raise')]);
    const run = await createRunChecks({ families: [failingFamily('broken'), raising], store })(T0);
    expect(run.failures.map((f) => f.family)).toEqual(['broken']);
    expect(run.opened.map((a) => a.rule)).toEqual(['clock_skew']);
  });

  it('never runs twice at once in one process: a second call waits for the first', async () => {
    let active = 0;
    let most = 0;
    const slow = scriptedFamily('slow', ['clock_skew'], () => [finding('clock_skew', m1, 'w', 'raise')]);
    const family = {
      ...slow,
      async evaluate(asOfMs: number) {
        active += 1;
        most = Math.max(most, active);
        await new Promise((resolve) => setImmediate(resolve));
        active -= 1;
        return slow.evaluate(asOfMs);
      },
    };
    const runChecks = createRunChecks({ families: [family], store });
    const runs = await Promise.all([runChecks(T0), runChecks(T0 + 1), runChecks(T0 + 2)]);
    expect(most).toBe(1);
    // Serialised, so only the first opens the alert; the others see it.
    expect(runs.map((r) => r.opened.length)).toEqual([1, 0, 0]);
  });

  it('runs as a scheduled job at the instant the cron fired, and fails the run when a family fails', async () => {
    const raising = scriptedFamily('health', ['clock_skew'], () => [finding('clock_skew', m1, 'w', 'raise')]);
    const log = { info: () => undefined, warn: () => undefined };
    const settings = (enabled: boolean) => ({ enabled, lifecycle: { evaluationCron: '* * * * * *' } });
    const runChecks = createRunChecks({ families: [raising], store });
    expect(createAlertJobs({ runChecks, settings: settings(false), timeZone: 'Asia/Shanghai', log })).toEqual([]);
    const jobs = createAlertJobs({ runChecks, settings: settings(true), timeZone: 'Asia/Shanghai', log });
    expect(jobs.map((j) => [j.name, j.timeZone])).toEqual([[ALERT_EVALUATION_JOB, 'Asia/Shanghai']]);

    const scheduler = createScheduler({
      jobs,
      workerIndex: 0,
      workerCount: 1,
      registry: new Registry(),
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    scheduler.start();
    try {
      const [opened] = await eventually(async () => {
        const events = await store.events({});
        if (events.length === 0) throw new Error('no evaluation yet');
        return events;
      });
      expect(opened?.kind).toBe('opened');
      expect((opened?.atMs ?? 1) % 1_000).toBe(0);
    } finally {
      await scheduler.stop();
    }

    const [failing] = createAlertJobs({
      runChecks: createRunChecks({ families: [failingFamily('broken')], store }),
      settings: settings(true),
      timeZone: 'UTC',
      log,
    });
    await expect(failing?.run({ firedAtMs: T0, signal: new AbortController().signal })).rejects.toThrow(AggregateError);
  });

  it('the live job evaluates only the live families, through the same runs, so one state of the alerts', async () => {
    const asked: string[] = [];
    const family = (name: string, rule: 'meter_offline' | 'clock_skew') =>
      scriptedFamily(name, [rule], (asOfMs) => {
        asked.push(name);
        return [finding(rule, m1, 'w', asOfMs >= T0 + HOUR ? 'clear' : 'raise')];
      });
    const live = family('live', 'meter_offline');
    const full = family('full', 'clock_skew');
    const runChecks = createRunChecks({ families: [full, live], store });
    const log = { info: () => undefined, warn: () => undefined };
    const settings = { enabled: true, lifecycle: { evaluationCron: '*/15 * * * *', liveEvaluationCron: '* * * * *' } };
    const jobs = createAlertJobs({ runChecks, settings, liveFamilies: [live], timeZone: 'UTC', log });
    expect(jobs.map((j) => [j.name, j.cron])).toEqual([
      [ALERT_EVALUATION_JOB, '*/15 * * * *'],
      [ALERT_LIVE_JOB, '* * * * *'],
    ]);
    const signal = new AbortController().signal;
    await jobs[1]?.run({ firedAtMs: T0, signal });
    expect(asked).toEqual(['live']);
    expect(deriveAlerts(await store.events({})).map((a) => [a.rule, a.state])).toEqual([['meter_offline', 'open']]);
    // A run of every family sees the alert the live run opened: a clear resolves it.
    await jobs[0]?.run({ firedAtMs: T0 + HOUR, signal });
    expect(asked).toEqual(['live', 'full', 'live']);
    expect(deriveAlerts(await store.events({})).map((a) => [a.rule, a.state])).toEqual([['meter_offline', 'resolved']]);
  });
});
