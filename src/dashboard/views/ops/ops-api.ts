/**
 * The answers of the /api/v1 routes the officers' views read and act on, as the
 * routes' zod schemas declare them (src/http/plugins/alerts-plugin.ts,
 * meters-plugin.ts, meter-health-plugin.ts, meter-baseline-plugin.ts,
 * periods-plugin.ts, periods-review-plugin.ts). The dashboard may not import the
 * server's code (the dependency rules keep it standalone), so the shapes are
 * restated here: only the fields the views use.
 */
export const ALERT_STATES = ['open', 'notified', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_RULES = [
  'quota_prorated',
  'quota_annual',
  'quota_projection',
  'baseline_anomaly',
  'off_hours_waste',
  'meter_offline',
  'stuck_register',
  'held_readings',
  'sequence_gap',
  'clock_skew',
  'submeter_imbalance',
  'quarantine_rate',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export type Severity = 'critical' | 'warning' | 'info';

export interface Bilingual {
  en: string;
  zh: string;
}

export interface Measured {
  value: number;
  threshold: number;
  unit: string;
}

export interface Alert {
  id: string;
  rule: AlertRule;
  subject: { kind: 'meter' | 'institution'; id: string };
  severity: Severity;
  state: AlertState;
  openedAt: string;
  since: string;
  measured: Measured;
  summary: Bilingual;
  acknowledged: { at: string; by: string; justification: string } | null;
  resolved: { at: string; by: string; note: string | null } | null;
}

export interface AlertPage {
  count: number;
  items: Alert[];
  nextAfter: string | null;
}

export type MeterReportingState = 'reporting' | 'late' | 'never_reported';

export interface Meter {
  id: string;
  name: string | null;
  building: string;
  institution: string;
  carrier: string;
  unit: string;
  expectedIntervalMinutes: number;
  lastReadingAt: string | null;
  readings: number;
  state: MeterReportingState;
}

export interface OrgNode {
  id: string;
  name: string;
  level: string;
  parent: string | null;
  kind: 'org' | 'institution';
}

export type Verdict = 'raise' | 'clear' | 'hold';

export interface HealthFinding {
  rule: string;
  alertId: string;
  verdict: Verdict;
  severity: Severity;
  measured: Measured;
  since: string;
  summary: Bilingual;
}

export interface MeterHealth {
  meter: string;
  at: string;
  findings: HealthFinding[];
}

export interface Reading {
  ts: string;
  value: number;
  quality: string;
  review: string | null;
}

export interface ReadingsPage {
  meter: string;
  unit: string;
  count: number;
  items: Reading[];
  nextCursor: string | null;
}

export interface BaselineBand {
  key: string;
  weekday: number | null;
  hour: number;
  samples: number;
  median: number;
  lower: number;
  upper: number;
}

export interface MeterBaseline {
  meter: string;
  unit: string;
  timezone: string;
  at: string;
  status: 'ok' | 'insufficient_history' | 'not_judged';
  reason: string | null;
  profile: BaselineBand[];
}

export const REPORT_FORMATS = ['json', 'csv', 'pdf', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RevisionSummary {
  orgId: string;
  period: string;
  revision: number;
  digest: string;
  closedAt: string;
  closedBy: string;
  justification: string | null;
  previousDigest: string | null;
  keyId: string;
}

export interface Revisions {
  orgId: string;
  period: string;
  revisions: RevisionSummary[];
}

export const REVIEW_STATUSES = [
  'not_submitted',
  'submitted',
  'returned',
  'approved_at_county',
  'approved_at_city',
  'approved',
] as const;
export type ReviewStatusKind = (typeof REVIEW_STATUSES)[number];

export interface Reviewer {
  level: 'county' | 'city' | 'region';
  org: string;
}

export interface ReviewItem {
  org: string;
  period: string;
  status: ReviewStatusKind;
  chain: Reviewer[];
  awaiting: Reviewer | null;
  revision: number | null;
  digest: string | null;
  returned: { by: Reviewer; reason: string; revision: number } | null;
  latestClosedRevision: number | null;
}

export interface ReviewList {
  org: string;
  period: string;
  counts: Partial<Record<ReviewStatusKind, number>>;
  items: ReviewItem[];
}

export interface ReviewOutcome {
  step: { step: 'submitted' | 'approved' | 'returned'; level: string; revision: number; digest: string };
  status: ReviewItem;
}
