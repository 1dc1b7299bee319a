import { AppError, MINUTE_MS } from '../src/kernel/index.js';
import { deriveAlerts, type Alert } from './core/alert-events.js';
import type { AlertRule } from './core/alert-types.js';
import { createMemoryAlertEventStore } from './adapters/memory-alert-event-store.js';
import { subjectsUnder, type AlertOrgScope } from './list-alerts.js';
import type { RuleFamily } from './ports.js';
import { createRunChecks } from './run-checks.js';
import type { LifecycleSettings } from './settings/lifecycle-settings.js';

/**
 * The backtest (docs/alerts.md): the rules replayed over stored history with the
 * clock simulated. The families are evaluated at from, from + step, … before to,
 * each instant exactly as the live job would evaluate it then (a family reads
 * only data with device time before its instant), and the same lifecycle step
 * turns the findings into alerts, on an event log in memory: nothing is written
 * to the store and nothing is mailed. The log starts empty at `from`, so a
 * condition already going on then opens at the first instant.
 */
export interface BacktestDeps {
  readonly families: readonly RuleFamily[];
  readonly scope: AlertOrgScope;
  readonly settings: Pick<LifecycleSettings, 'backtestStepMinutes' | 'backtestMaxSteps'>;
}

export interface BacktestQuery {
  /** An org unit or institution: only its subtree's subjects. */
  readonly orgId: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Only this rule's alerts; every rule when absent. */
  readonly rule?: AlertRule | undefined;
}

export interface BacktestRun {
  readonly orgId: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  /** How many instants were evaluated. */
  readonly evaluations: number;
  /** Every alert that would have opened, in opening order, with its resolution if the rules ended it. */
  readonly alerts: readonly Alert[];
}

export type Backtest = (query: BacktestQuery, options?: { readonly signal?: AbortSignal }) => Promise<BacktestRun>;

export function createBacktest(deps: BacktestDeps): Backtest {
  const stepMs = deps.settings.backtestStepMinutes * MINUTE_MS;
  return async (query, options = {}) => {
    const { fromMs, toMs, rule } = query;
    if (!(fromMs < toMs)) throw new AppError('BAD_TIME_RANGE', 'from must be before to');
    const evaluations = Math.ceil((toMs - fromMs) / stepMs);
    if (evaluations > deps.settings.backtestMaxSteps) {
      throw new AppError(
        'BACKTEST_TOO_LONG',
        `the range holds ${evaluations} evaluation instants at a ${deps.settings.backtestStepMinutes}-minute step;` +
          ` at most ${deps.settings.backtestMaxSteps} (alerts.lifecycle.backtestMaxSteps)`,
        { details: { evaluations, max: deps.settings.backtestMaxSteps } },
      );
    }
    const inOrg = subjectsUnder(deps.scope, query.orgId);
    const store = createMemoryAlertEventStore();
    const runChecks = createRunChecks({
      families: rule === undefined ? deps.families : deps.families.filter((f) => f.rules.includes(rule)),
      store,
      accept: (f) => (rule === undefined || f.rule === rule) && inOrg(f.subject),
    });
    for (let asOfMs = fromMs; asOfMs < toMs; asOfMs += stepMs) {
      const run = await runChecks(asOfMs, options);
      const [failure] = run.failures;
      if (failure !== undefined) throw failure.error;
    }
    return {
      orgId: query.orgId,
      fromMs,
      toMs,
      stepMs,
      evaluations,
      alerts: deriveAlerts(await store.events({})),
    };
  };
}
