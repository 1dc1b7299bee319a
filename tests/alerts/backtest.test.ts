import { describe, expect, it } from 'vitest';
import { createBacktest } from '../../alerts/index.js';
import { isAppError } from '../../src/kernel/index.js';
import {
  asExpected,
  BACKTEST_EXPECTED,
  BACKTEST_EXPECTED_NX_B,
  BACKTEST_FROM_MS,
  BACKTEST_TO_MS,
  backtestFamilies,
  backtestScope,
} from '../support/backtest-fixture.js';

// The backtest "Done when": a fixture's history yields exactly the alerts a hand-made list expects, at their times.
const settings = { backtestStepMinutes: 60, backtestMaxSteps: 100 };

describe('backtest', () => {
  const backtest = createBacktest({ families: backtestFamilies(), scope: backtestScope, settings });
  const range = { fromMs: BACKTEST_FROM_MS, toMs: BACKTEST_TO_MS };

  it('yields exactly the hand-made list of alerts for an org, each at its expected time', async () => {
    const run = await backtest({ orgId: 'nx-a', ...range });
    expect(run.evaluations).toBe(48);
    expect(run.stepMs).toBe(3_600_000);
    expect(run.alerts.map(asExpected)).toEqual(BACKTEST_EXPECTED);
  });

  it("filters by rule, and takes the org's whole subtree", async () => {
    const offline = await backtest({ orgId: 'nx-a', ...range, rule: 'meter_offline' });
    expect(offline.alerts.map(asExpected)).toEqual(BACKTEST_EXPECTED.filter((a) => a.rule === 'meter_offline'));
    const region = await backtest({ orgId: 'nx', ...range });
    const byOpening = [...BACKTEST_EXPECTED, BACKTEST_EXPECTED_NX_B].sort((a, b) => (a.openedAt < b.openedAt ? -1 : 1));
    expect(region.alerts.map(asExpected)).toEqual(byOpening);
    expect((await backtest({ orgId: 'inst2', ...range })).alerts.map(asExpected)).toEqual([BACKTEST_EXPECTED_NX_B]);
  });

  it('gives the same answer on every replay (nothing is kept between backtests)', async () => {
    const first = await backtest({ orgId: 'nx-a', ...range });
    const second = await backtest({ orgId: 'nx-a', ...range });
    expect(second).toEqual(first);
  });

  it('refuses an unknown org, a reversed range and too many instants with stable codes', async () => {
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (isAppError(error) ? error.code : String(error)),
      );
    expect(await codeOf(backtest({ orgId: 'nope', ...range }))).toBe('ORG_NOT_FOUND');
    expect(await codeOf(backtest({ orgId: 'nx', fromMs: BACKTEST_TO_MS, toMs: BACKTEST_FROM_MS }))).toBe(
      'BAD_TIME_RANGE',
    );
    expect(await codeOf(backtest({ orgId: 'nx', fromMs: 0, toMs: BACKTEST_TO_MS }))).toBe('BACKTEST_TOO_LONG');
  });
});
