import type { BacktestQuery, BacktestRun } from '../../alerts/index.js';
import { ERROR_CODES, isAppError } from '../kernel/index.js';
import type { AppConfig } from '../load-app-config.js';
import { parseAlertsCommand } from './command-line.js';

/**
 * `tanhe alerts backtest …` (grammar in command-line.ts): runs the backtest use
 * case over the configured store and prints the alerts that would have opened,
 * one line each or as JSON. Exit 0 when done; 2 for a usage error, including a
 * request the backtest refuses (unknown org, too many instants).
 */
export interface AlertsCommandDeps {
  readonly load: (argv: readonly string[]) => AppConfig;
  readonly backtest: (config: AppConfig, query: BacktestQuery) => Promise<BacktestRun>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const EXIT_USAGE = 2;

export async function runAlertsCommand(argv: readonly string[], deps: AlertsCommandDeps): Promise<number> {
  const command = parseAlertsCommand(argv);
  if (command.kind === 'usage-error') {
    deps.err(command.message);
    return EXIT_USAGE;
  }
  const config = deps.load(argv);
  let run: BacktestRun;
  try {
    const { orgId, fromMs, toMs, rule } = command;
    run = await deps.backtest(config, { orgId, fromMs, toMs, rule });
  } catch (error) {
    if (isAppError(error) && ERROR_CODES[error.code].httpStatus < 500) {
      deps.err(`tanhe alerts backtest: ${error.code}: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
  deps.out(command.json ? `${JSON.stringify(backtestJson(run), null, 2)}\n` : backtestLines(run));
  return 0;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A header, then one line per alert: opened, rule, subject, window, severity, resolved, summary. */
export function backtestLines(run: BacktestRun): string {
  const header =
    `backtest of ${run.orgId} over [${iso(run.fromMs)}, ${iso(run.toMs)}) every ${run.stepMs / 60_000} min:` +
    ` ${run.evaluations} evaluations, ${run.alerts.length} alert(s) would have opened`;
  const lines = run.alerts.map((a) =>
    [
      iso(a.openedAtMs),
      a.rule,
      `${a.subject.kind}:${a.subject.id}`,
      `window=${a.window}`,
      a.severity,
      `resolved=${a.resolved ? iso(a.resolved.atMs) : '-'}`,
      a.finding.summary.en,
    ].join('  '),
  );
  return [header, ...lines, ''].join('\n');
}

function backtestJson(run: BacktestRun) {
  return {
    org: run.orgId,
    from: iso(run.fromMs),
    to: iso(run.toMs),
    stepMinutes: run.stepMs / 60_000,
    evaluations: run.evaluations,
    alerts: run.alerts.map((a) => ({
      id: a.id,
      rule: a.rule,
      subject: a.subject,
      window: a.window,
      severity: a.severity,
      openedAt: iso(a.openedAtMs),
      resolvedAt: a.resolved ? iso(a.resolved.atMs) : null,
      measured: a.finding.measured,
      summary: a.finding.summary,
      details: a.finding.details,
    })),
  };
}
