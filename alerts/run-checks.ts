import { alertIdOf, deriveAlerts, type Alert, type AlertEvent } from './core/alert-events.js';
import { RULE_POLICIES, type RuleFinding } from './core/alert-types.js';
import { applyFindings, subjectKey } from './core/apply-findings.js';
import type { AlertEventStore, RuleFamily } from './ports.js';

/**
 * One evaluation of the rules (docs/alerts.md): every family judges its subjects
 * as of `asOfMs`, the lifecycle turns the findings into events against the
 * alerts as stored, and the events are appended. The live job runs it at the
 * clock's now; the backtest runs it at past instants over an in-memory log.
 *
 * Reading the whole log at every run would grow with the years, so the run
 * keeps, per process, the ids of the alerts not yet resolved (read once, from
 * the whole log, at the first run; then kept up to date from what each run
 * writes). Before applying, it reads the stored events of the alerts the
 * findings can touch (those ids, and the ids a raise or hold names), so an
 * acknowledgement or a resolution by a person on another worker is seen.
 * Runs in one process never overlap: a call made while one is going waits for it.
 */
export interface RunChecksDeps {
  readonly families: readonly RuleFamily[];
  readonly store: AlertEventStore;
  /** Only these findings reach the lifecycle (the backtest's org and rule filters); all when absent. */
  readonly accept?: (finding: RuleFinding) => boolean;
}

export interface ChecksRun {
  readonly asOfMs: number;
  /** Findings the families returned (after `accept`). */
  readonly findings: number;
  /** The events this run appended, in order. */
  readonly events: readonly AlertEvent[];
  /** Alerts this run opened, and alerts it resolved, as they stand after it. */
  readonly opened: readonly Alert[];
  readonly resolved: readonly Alert[];
  /** Families whose evaluation failed; the others' findings were applied. */
  readonly failures: readonly { readonly family: string; readonly error: unknown }[];
}

export interface RunChecksOptions {
  readonly signal?: AbortSignal;
  /** Evaluate only these families (the live job's); all of `RunChecksDeps.families` when absent. */
  readonly families?: readonly RuleFamily[];
}

export type RunChecks = (asOfMs: number, options?: RunChecksOptions) => Promise<ChecksRun>;

export function createRunChecks(deps: RunChecksDeps): RunChecks {
  const { store, families } = deps;
  /** (rule, subject) → ids of its alerts not resolved yet; undefined until the first run reads the log. */
  let unresolved: Map<string, Set<string>> | undefined;
  let tail: Promise<unknown> = Promise.resolve();

  const remember = (alerts: readonly Alert[]) => {
    for (const alert of alerts) {
      const key = subjectKey(alert.rule, alert.subject);
      const ids = unresolved?.get(key) ?? new Set<string>();
      if (alert.state === 'resolved') ids.delete(alert.id);
      else ids.add(alert.id);
      if (ids.size > 0) unresolved?.set(key, ids);
      else unresolved?.delete(key);
    }
  };

  async function run(asOfMs: number, options: RunChecksOptions): Promise<ChecksRun> {
    const { signal } = options;
    if (unresolved === undefined) {
      const all = deriveAlerts(await store.events({}));
      unresolved = new Map();
      remember(all);
    }
    const findings: RuleFinding[] = [];
    const failures: { family: string; error: unknown }[] = [];
    for (const family of options.families ?? families) {
      signal?.throwIfAborted();
      try {
        const found = await family.evaluate(asOfMs);
        findings.push(...(deps.accept ? found.filter(deps.accept) : found));
      } catch (error) {
        failures.push({ family: family.name, error });
      }
    }
    signal?.throwIfAborted();

    const touched = new Set<string>();
    for (const f of findings) {
      if (f.verdict !== 'clear') touched.add(alertIdOf(f));
      else if (RULE_POLICIES[f.rule].resolvesItself) {
        for (const id of unresolved.get(subjectKey(f.rule, f.subject)) ?? []) touched.add(id);
      }
    }
    const before = touched.size === 0 ? [] : await store.events({ alertIds: [...touched] });
    const current = deriveAlerts(before);
    const events = applyFindings(current, findings, asOfMs);
    await store.append(events);

    const after = deriveAlerts([...before, ...events]);
    remember(after);
    const changed = (kind: AlertEvent['kind']) => {
      const ids = new Set(events.filter((e) => e.kind === kind).map((e) => e.alertId));
      return after.filter((a) => ids.has(a.id));
    };
    return {
      asOfMs,
      findings: findings.length,
      events,
      opened: changed('opened'),
      resolved: changed('resolved'),
      failures,
    };
  }

  return (asOfMs, options = {}) => {
    const result = tail.then(() => run(asOfMs, options));
    tail = result.catch(() => undefined);
    return result;
  };
}
