import { localDate } from '../../src/kernel/index.js';
import type { AlertSeverity, FindingVerdict, LocalizedText, RuleFinding } from './alert-types.js';
import { QUOTA_METRIC_RULES } from './quota-metrics.js';
import type { QuotaProgress } from './quota-progress.js';

/**
 * A quota's progress as findings (docs/alerts.md, "Quotas"), one per rule and threshold:
 * - quota_prorated: used to date against the quota to date, for the year (window
 *   `2026:tce_total:100`) and for the month in progress and the month before it (window
 *   `2026-11:tce_total:100`): a month over its allocation shows before the year does;
 * - quota_annual: used to date against the annual quota (`2026:tce_total:80`);
 * - quota_projection: the projection to the end of the year against the annual quota.
 * Each threshold has its own window, so the 80 % and the 100 % alert of a year both exist.
 * Hysteresis: raise at ≥ t %, clear below t − hysteresisPoints %, hold in between.
 */

export interface QuotaThreshold {
  readonly percent: number;
  readonly severity: AlertSeverity;
}

export interface QuotaRuleSettings {
  readonly thresholds: {
    readonly prorated: readonly QuotaThreshold[];
    readonly annual: readonly QuotaThreshold[];
    readonly projection: readonly QuotaThreshold[];
  };
  readonly hysteresisPoints: number;
  /** Prorated and projected shares are judged once this many days of their period have passed. */
  readonly minElapsedDays: number;
}

/** The quota's key in windows: metric and scope, e.g. tce_total, kgce_per_m2_01A00. */
export function quotaKeyOf(progress: Pick<QuotaProgress, 'quota'>): string {
  return `${progress.quota.metric}_${progress.quota.scope}`;
}

export function quotaVerdictOf(percent: number, threshold: number, hysteresisPoints: number): FindingVerdict {
  if (percent >= threshold) return 'raise';
  return percent < threshold - hysteresisPoints ? 'clear' : 'hold';
}

export function quotaFindings(progress: QuotaProgress, settings: QuotaRuleSettings): RuleFinding[] {
  if (progress.status === 'not_started') return [];
  const { quota, yearToDate, projection } = progress;
  const key = quotaKeyOf(progress);
  const unit = progress.unit;
  const findings: RuleFinding[] = [];
  const subject = { kind: 'institution' as const, id: quota.institutionId };
  const date = localDate(Math.max(progress.asOfMs - 1, 0), quota.timeZone);
  const yearOpen = progress.status === 'closed' || yearToDate.elapsedDays >= settings.minElapsedDays;
  const base = {
    quota: {
      institution: quota.institutionId,
      year: quota.year,
      metric: quota.metric,
      scope: quota.scope,
      value: quota.value,
      unit,
    },
    asOf: new Date(progress.asOfMs).toISOString(),
    allocation: progress.allocation.used,
  };
  const finding = (
    rule: RuleFinding['rule'],
    window: string,
    t: QuotaThreshold,
    percent: number,
    details: Record<string, unknown>,
    summary: LocalizedText,
  ): RuleFinding => ({
    rule,
    subject,
    window,
    verdict: quotaVerdictOf(percent, t.percent, settings.hysteresisPoints),
    severity: t.severity,
    measured: { value: percent, threshold: t.percent, unit: '%' },
    sinceMs: progress.asOfMs,
    details: { ...base, ...details, thresholdPercent: t.percent },
    summary,
  });
  const names = labels(progress);

  if (yearOpen && yearToDate.proratedPercent !== null) {
    const pct = yearToDate.proratedPercent;
    for (const t of settings.thresholds.prorated) {
      findings.push(
        finding(
          'quota_prorated',
          `${quota.year}:${key}:${t.percent}`,
          t,
          pct,
          { period: String(quota.year), used: yearToDate.used, quotaToDate: yearToDate.quotaToDate, percent: pct },
          {
            en:
              `${names.en} ${quota.year} through ${date}: ${fmt(yearToDate.used)} ${unit} used, ` +
              `${pct1(pct)} % of the quota to date ` +
              `(${fmt(yearToDate.quotaToDate)} of ${fmt(quota.value)} ${unit} for the year); ` +
              `threshold ${t.percent} %`,
            zh:
              `${names.zh}：${quota.year}年截至${date}已用 ${fmt(yearToDate.used)} ${unit}，为截至当日定额` +
              `（${fmt(yearToDate.quotaToDate)} ${unit}，全年 ${fmt(quota.value)} ${unit}）的 ${pct1(pct)}%，阈值 ${t.percent}%`,
          },
        ),
      );
    }
  }

  // The month in progress (once it is old enough) and the month before it (closed: its figure is final).
  for (const row of monthsToJudge(progress, settings.minElapsedDays)) {
    const whole = row.elapsedShare >= 1;
    const quotaEn = whole
      ? `quota (${fmt(row.quota)} ${unit})`
      : `quota to date (${fmt(row.quotaToDate)} of ${fmt(row.quota)} ${unit})`;
    const quotaZh = whole
      ? `定额（${fmt(row.quota)} ${unit}）`
      : `截至当日定额（${fmt(row.quotaToDate)} ${unit}，全月 ${fmt(row.quota)} ${unit}）`;
    for (const t of settings.thresholds.prorated) {
      findings.push(
        finding(
          'quota_prorated',
          `${row.label}:${key}:${t.percent}`,
          t,
          row.percent,
          {
            period: row.label,
            used: row.used,
            quotaToDate: row.quotaToDate,
            monthQuota: row.quota,
            percent: row.percent,
          },
          {
            en:
              `${names.en} ${row.label}${whole ? '' : ` through ${date}`}: ${fmt(row.used)} ${unit} used, ` +
              `${pct1(row.percent)} % of the month's ${quotaEn}; threshold ${t.percent} %`,
            zh:
              `${names.zh}：${row.label}${whole ? '全月' : `截至${date}`}已用 ${fmt(row.used)} ${unit}，` +
              `为当月${quotaZh}的 ${pct1(row.percent)}%，阈值 ${t.percent}%`,
          },
        ),
      );
    }
  }

  const annualPct = yearToDate.annualPercent;
  for (const t of settings.thresholds.annual) {
    findings.push(
      finding(
        'quota_annual',
        `${quota.year}:${key}:${t.percent}`,
        t,
        annualPct,
        { period: String(quota.year), used: yearToDate.used, percent: annualPct },
        {
          en:
            `${names.en} ${quota.year} through ${date}: ${fmt(yearToDate.used)} ${unit} used, ` +
            `${pct1(annualPct)} % of the annual quota (${fmt(quota.value)} ${unit}); threshold ${t.percent} %`,
          zh:
            `${names.zh}：${quota.year}年截至${date}已用 ${fmt(yearToDate.used)} ${unit}，为全年定额` +
            `（${fmt(quota.value)} ${unit}）的 ${pct1(annualPct)}%，阈值 ${t.percent}%`,
        },
      ),
    );
  }

  if (yearOpen && projection.value !== null && projection.percent !== null) {
    const pct = projection.percent;
    for (const t of settings.thresholds.projection) {
      findings.push(
        finding(
          'quota_projection',
          `${quota.year}:${key}:${t.percent}`,
          t,
          pct,
          {
            period: String(quota.year),
            used: yearToDate.used,
            projected: projection.value,
            percent: pct,
            method: projection.method,
            methodNote: projection.note,
            ratioToLastYear: projection.ratioToLastYear,
          },
          {
            en:
              `${names.en} ${quota.year}: projected ${fmt(projection.value)} ${unit} by the end of the year, ` +
              `${pct1(pct)} % of the annual quota (${fmt(quota.value)} ${unit}; ${METHOD_EN[projection.method]}); ` +
              `threshold ${t.percent} %`,
            zh:
              `${names.zh}：${quota.year}年预计全年 ${fmt(projection.value)} ${unit}，为全年定额` +
              `（${fmt(quota.value)} ${unit}）的 ${pct1(pct)}%（${METHOD_ZH[projection.method]}），阈值 ${t.percent}%`,
          },
        ),
      );
    }
  }
  return findings;
}

interface MonthJudged {
  readonly label: string;
  readonly used: number;
  readonly quota: number;
  readonly quotaToDate: number;
  readonly percent: number;
  readonly elapsedShare: number;
}

function monthsToJudge(progress: QuotaProgress, minElapsedDays: number): MonthJudged[] {
  const { month } = progress;
  if (month === null) return [];
  const judged: MonthJudged[] = [];
  const previous = progress.months[month.index - 1];
  if (previous !== undefined && previous.quota > 0) {
    const used = previous.used ?? 0;
    judged.push({
      label: previous.label,
      used,
      quota: previous.quota,
      quotaToDate: previous.quota,
      percent: (used / previous.quota) * 100,
      elapsedShare: 1,
    });
  }
  if (month.percent !== null && (month.elapsedShare >= 1 || month.elapsedDays >= minElapsedDays)) {
    judged.push({
      label: month.label,
      used: month.used,
      quota: month.quota,
      quotaToDate: month.quotaToDate,
      percent: month.percent,
      elapsedShare: month.elapsedShare,
    });
  }
  return judged;
}

const METHOD_EN = {
  actual: 'the year has closed',
  last_year_shape: "last year's remaining shape scaled by this year's ratio to last year",
  allocation_profile: 'the allocation profile scaled by the ratio to date',
  none: 'no projection',
} as const;

const METHOD_ZH = {
  actual: '全年已结束',
  last_year_shape: '按去年剩余月份走势乘以今年与去年同期之比',
  allocation_profile: '按分配曲线与截至当日用量之比推算',
  none: '无法预测',
} as const;

const CARRIER_ZH: Readonly<Record<string, string>> = {
  electricity: '电力',
  water: '水',
  natural_gas: '天然气',
  district_heat: '集中供热',
  diesel: '柴油',
  gasoline: '汽油',
  lpg: '液化石油气',
  coal: '煤',
  pv_generation: '光伏',
};

function labels(progress: QuotaProgress): LocalizedText {
  const { quota } = progress;
  const rule = QUOTA_METRIC_RULES[quota.metric];
  const scope = quota.scope;
  const scopeEn = scope === 'total' ? '' : /^\d/.test(scope) ? ` (分项 ${scope})` : ` (${scope.replace('_', ' ')})`;
  const scopeZh =
    scope === 'total' ? '' : /^\d/.test(scope) ? `（分项 ${scope}）` : `（${CARRIER_ZH[scope] ?? scope}）`;
  return {
    en: `${quota.institutionName}: ${rule.label.en}${scopeEn} quota`,
    zh: `${quota.institutionName}${rule.label.zh}${scopeZh}定额`,
  };
}

/** Shares as shown in a summary: one decimal. */
function pct1(value: number): string {
  return value.toFixed(1);
}

/** Figures as shown in a summary: 4 significant digits at least, one decimal from 100 up. */
function fmt(value: number): string {
  const abs = Math.abs(value);
  return String(Number(value.toFixed(abs >= 100 ? 1 : abs >= 1 ? 3 : 4)));
}
