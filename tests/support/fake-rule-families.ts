import type { AlertRule, AlertSubject, FindingVerdict, RuleFamily, RuleFinding } from '../../alerts/index.js';

/**
 * Rule families for the lifecycle's tests (a fake behind the RuleFamily port):
 * each verdict is a pure function of the evaluation instant, so a test (and the
 * backtest fixture) can list by hand which alerts must open and end, and when.
 */

export function finding(
  rule: AlertRule,
  subject: AlertSubject,
  window: string,
  verdict: FindingVerdict,
  extra: Partial<RuleFinding> = {},
): RuleFinding {
  return {
    rule,
    subject,
    window,
    verdict,
    severity: 'warning',
    measured: { value: 1, threshold: 1, unit: '1' },
    sinceMs: 0,
    details: {},
    summary: { en: `${rule} on ${subject.id}`, zh: `${subject.id}：${rule}` },
    ...extra,
  };
}

/**
 * A threshold rule with hysteresis on a value given per instant: raise at or
 * above `raiseAt`, clear below `clearBelow`, hold in between; one window (e.g. the year).
 */
export function thresholdFamily(options: {
  readonly name: string;
  readonly rule: AlertRule;
  readonly subject: AlertSubject;
  readonly window: (asOfMs: number) => string;
  readonly value: (asOfMs: number) => number;
  readonly raiseAt: number;
  readonly clearBelow: number;
  readonly unit?: string;
}): RuleFamily {
  return {
    name: options.name,
    rules: [options.rule],
    async evaluate(asOfMs) {
      const value = options.value(asOfMs);
      const verdict: FindingVerdict =
        value >= options.raiseAt ? 'raise' : value < options.clearBelow ? 'clear' : 'hold';
      return [
        finding(options.rule, options.subject, options.window(asOfMs), verdict, {
          measured: { value, threshold: options.raiseAt, unit: options.unit ?? '%' },
          sinceMs: asOfMs,
          details: { value },
        }),
      ];
    },
  };
}

/**
 * An offline rule over given silences [startMs, endMs) of meters: a meter silent
 * for at least `afterMs` raises, with the silence's start as the window (as the
 * real rule does); otherwise clear.
 */
export function silenceFamily(options: {
  readonly name: string;
  readonly silences: readonly { readonly meterId: string; readonly startMs: number; readonly endMs: number }[];
  readonly meterIds: readonly string[];
  readonly afterMs: number;
}): RuleFamily {
  return {
    name: options.name,
    rules: ['meter_offline'],
    async evaluate(asOfMs) {
      return options.meterIds.map((meterId) => {
        const silence = options.silences.find((s) => s.meterId === meterId && s.startMs < asOfMs && asOfMs < s.endMs);
        const silentMs = silence === undefined ? 0 : asOfMs - silence.startMs;
        const subject = { kind: 'meter' as const, id: meterId };
        const window = new Date(silence?.startMs ?? asOfMs).toISOString();
        const verdict: FindingVerdict = silentMs >= options.afterMs ? 'raise' : 'clear';
        return finding('meter_offline', subject, window, verdict, {
          severity: 'critical',
          measured: { value: silentMs / 60_000, threshold: options.afterMs / 60_000, unit: 'min' },
          sinceMs: silence?.startMs ?? asOfMs,
        });
      });
    },
  };
}

/** A family that raises given (instant → findings) and says nothing otherwise. */
export function scriptedFamily(
  name: string,
  rules: readonly AlertRule[],
  script: (asOfMs: number) => readonly RuleFinding[],
): RuleFamily {
  return { name, rules, evaluate: async (asOfMs) => script(asOfMs) };
}

/** A family whose evaluation fails. */
export function failingFamily(name: string): RuleFamily {
  return {
    name,
    rules: ['quarantine_rate'],
    evaluate: async () => {
      throw new Error(`${name} cannot read its inputs`);
    },
  };
}
