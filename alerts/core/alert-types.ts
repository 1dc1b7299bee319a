/**
 * The vocabulary every alert rule and the alert lifecycle share (docs/alerts.md).
 *
 * A rule is pure: given the figures as they stood at an instant (`asOfMs`), it
 * returns one finding per subject it looked at. The lifecycle turns findings into
 * alert events: `raise` opens an alert unless one exists for the same
 * (rule, subject, window); `clear` resolves it when the rule resolves itself;
 * `hold` (inside the hysteresis band) changes nothing. Live evaluation and the
 * backtest run the same rules; only the instant and what happens to events differ.
 */

export const ALERT_RULES = [
  // Energy quotas (能耗定额), per institution and year.
  'quota_prorated',
  'quota_annual',
  'quota_projection',
  // Learned baselines, per meter.
  'baseline_anomaly',
  'off_hours_waste',
  // Meter health, per meter (imbalance: per parent meter; quarantine rate: per meter).
  'meter_offline',
  'stuck_register',
  'held_readings',
  'sequence_gap',
  'clock_skew',
  'submeter_imbalance',
  'quarantine_rate',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
/** critical: mailed at once; warning and info: in the daily digest. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface AlertSubject {
  readonly kind: 'meter' | 'institution';
  readonly id: string;
}

export type FindingVerdict = 'raise' | 'clear' | 'hold';

/** Both languages of a line of text shown to energy officers. */
export interface LocalizedText {
  readonly en: string;
  readonly zh: string;
}

/** One rule's verdict on one subject as of an instant. */
export interface RuleFinding {
  readonly rule: AlertRule;
  readonly subject: AlertSubject;
  /**
   * The de-duplication window: at most one alert per (rule, subject, window). A
   * local period label in the subject's zone ('2026' for an annual quota, '2026-11'
   * for a month, '2026-11-30' for a day) or the start of the condition for
   * conditions without a calendar period (an offline meter: the silence's start).
   */
  readonly window: string;
  readonly verdict: FindingVerdict;
  readonly severity: AlertSeverity;
  /** What was measured against which threshold, in `unit`. */
  readonly measured: { readonly value: number; readonly threshold: number; readonly unit: string };
  /** When the condition began (UTC ms, device time); at most the evaluation instant. */
  readonly sinceMs: number;
  /** The rule's own figures (JSON-serialisable), shown in the API and the mail. */
  readonly details: Readonly<Record<string, unknown>>;
  readonly summary: LocalizedText;
}

/** How a rule's alerts end and what acknowledging one needs. */
export interface RulePolicy {
  /** A `clear` finding resolves the alert (by the system); otherwise a person resolves it. */
  readonly resolvesItself: boolean;
  /** Acknowledging needs a justification text (quota overruns: the institution explains them). */
  readonly justificationRequired: boolean;
}

export const RULE_POLICIES: Readonly<Record<AlertRule, RulePolicy>> = {
  quota_prorated: { resolvesItself: false, justificationRequired: true },
  quota_annual: { resolvesItself: false, justificationRequired: true },
  quota_projection: { resolvesItself: true, justificationRequired: true },
  baseline_anomaly: { resolvesItself: true, justificationRequired: false },
  off_hours_waste: { resolvesItself: false, justificationRequired: false },
  meter_offline: { resolvesItself: true, justificationRequired: false },
  stuck_register: { resolvesItself: true, justificationRequired: false },
  held_readings: { resolvesItself: true, justificationRequired: false },
  sequence_gap: { resolvesItself: false, justificationRequired: false },
  clock_skew: { resolvesItself: true, justificationRequired: false },
  submeter_imbalance: { resolvesItself: true, justificationRequired: false },
  quarantine_rate: { resolvesItself: true, justificationRequired: false },
};
