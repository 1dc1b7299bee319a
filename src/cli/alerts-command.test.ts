import { describe, expect, it } from 'vitest';
import { createBacktest } from '../../alerts/index.js';
import {
  BACKTEST_EXPECTED,
  BACKTEST_FROM_MS,
  BACKTEST_TO_MS,
  backtestFamilies,
  backtestScope,
} from '../../tests/support/backtest-fixture.js';
import type { AppConfig } from '../load-app-config.js';
import { runAlertsCommand } from './alerts-command.js';

// The command over the backtest use case with the fixture's families (the process-level run: tests/alerts).
const backtest = createBacktest({
  families: backtestFamilies(),
  scope: backtestScope,
  settings: { backtestStepMinutes: 60, backtestMaxSteps: 100 },
});
const iso = (ms: number) => new Date(ms).toISOString();
const argv = ['backtest', '--org', 'nx-a', '--from', iso(BACKTEST_FROM_MS), '--to', iso(BACKTEST_TO_MS)];

async function run(args: readonly string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAlertsCommand(args, {
    load: () => ({}) as AppConfig,
    backtest: (_config, query) => backtest(query),
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  });
  return { code, out: out.join(''), err: err.join('') };
}

describe('tanhe alerts backtest', () => {
  it('prints one line per alert that would have opened, with its instants', async () => {
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    const [header, ...lines] = out.trimEnd().split('\n');
    expect(header).toContain('48 evaluations, 4 alert(s)');
    expect(
      lines.map((l) =>
        l
          .split('  ')
          .slice(0, 3)
          .concat(l.split('  ')[5] ?? ''),
      ),
    ).toEqual(
      BACKTEST_EXPECTED.map((a) => [
        a.openedAt,
        a.rule,
        `${a.rule.startsWith('quota') ? 'institution' : 'meter'}:${a.subject}`,
        `resolved=${a.resolvedAt ?? '-'}`,
      ]),
    );
  });

  it('prints JSON with --json, filtered by --rule', async () => {
    const { code, out } = await run([...argv, '--json', '--rule', 'meter_offline']);
    expect(code).toBe(0);
    const body = JSON.parse(out);
    expect(body.alerts.map((a: { openedAt: string; resolvedAt: string | null }) => [a.openedAt, a.resolvedAt])).toEqual(
      BACKTEST_EXPECTED.filter((a) => a.rule === 'meter_offline').map((a) => [a.openedAt, a.resolvedAt]),
    );
  });

  it('exits 2 on a usage error and on a request the backtest refuses', async () => {
    expect((await run(['backtest', '--org', 'nx'])).code).toBe(2);
    const unknown = await run(['backtest', '--org', 'nope', ...argv.slice(3)]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('ORG_NOT_FOUND');
  });
});
