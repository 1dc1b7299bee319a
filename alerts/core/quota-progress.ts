import { QUOTA_METRIC_RULES, type QuotaMetric } from './quota-metrics.js';

/**
 * A quota's progress as of an instant (docs/alerts.md, "Quotas"): used month-to-date and
 * year-to-date against the quota prorated to date, the share of the annual quota used, and a
 * projection to the end of the year with the method it used. Pure: the use case hands in the
 * months' figures (the carbon report's, up to the instant) and the calendar's month ranges.
 */

export type QuotaAllocationSpec =
  | { readonly kind: 'flat' }
  | { readonly kind: 'seasonal'; readonly weights: readonly number[] }
  | { readonly kind: 'last_year' };

export interface QuotaSpec {
  readonly institutionId: string;
  readonly institutionName: string;
  /** The institution's zone: the months and the dates in summaries are local to it. */
  readonly timeZone: string;
  readonly year: number;
  readonly metric: QuotaMetric;
  /** 'total', a carrier, or a 分项 code. */
  readonly scope: string;
  /** The annual quota, in the metric's unit. */
  readonly value: number;
  readonly allocation: QuotaAllocationSpec;
}

/** One local month of the quota's year: its range (UTC ms) and label (2026-11). */
export interface QuotaMonth {
  readonly label: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface QuotaProgressInput {
  readonly quota: QuotaSpec;
  readonly asOfMs: number;
  /** The year's 12 local months, January first; `yearToMs` is December's end. */
  readonly months: readonly QuotaMonth[];
  /** This year's metric per month from data before asOfMs; null for a month not begun. */
  readonly thisYear: readonly (number | null)[];
  /** The year to date as the annual report shows it (equals the sum of the months). */
  readonly yearToDate: number;
  /** Last year's metric per month (same quota definition); null for a month without any reading. */
  readonly lastYear: readonly (number | null)[];
}

export type QuotaStatus = 'not_started' | 'in_progress' | 'closed';

export type QuotaProjectionMethod = 'actual' | 'last_year_shape' | 'allocation_profile' | 'none';

export interface QuotaProjection {
  readonly method: QuotaProjectionMethod;
  /** The year's projected total in the metric's unit; null when no projection can be made. */
  readonly value: number | null;
  /** value / annual quota × 100. */
  readonly percent: number | null;
  /** last_year_shape: this year to date over last year to the same point. */
  readonly ratioToLastYear: number | null;
  /** The method in words. */
  readonly note: string;
}

export interface QuotaMonthRow {
  readonly label: string;
  /** The month's allocation of the annual quota. */
  readonly quota: number;
  readonly used: number | null;
  readonly lastYear: number | null;
}

export interface QuotaProgress {
  readonly quota: QuotaSpec;
  readonly unit: string;
  readonly asOfMs: number;
  readonly status: QuotaStatus;
  readonly allocation: {
    readonly requested: QuotaAllocationSpec['kind'];
    /** What was applied: last_year falls back to flat when last year is not complete. */
    readonly used: 'flat' | 'seasonal' | 'last_year';
    /** Each month's share of the year, January first; they sum to 1. */
    readonly shares: readonly number[];
    readonly note: string | null;
  };
  /** The month that holds asOfMs (December once the year has closed); null before the year starts. */
  readonly month: {
    readonly label: string;
    readonly index: number;
    /** Share of the month's time elapsed at asOfMs, 0..1. */
    readonly elapsedShare: number;
    readonly elapsedDays: number;
    readonly quota: number;
    readonly quotaToDate: number;
    readonly used: number;
    /** used / quotaToDate × 100; null when the quota to date is 0. */
    readonly percent: number | null;
  } | null;
  readonly yearToDate: {
    /** The allocation's share of the year elapsed at asOfMs, 0..1. */
    readonly elapsedShare: number;
    readonly elapsedDays: number;
    readonly quotaToDate: number;
    readonly used: number;
    /** Used to date over the quota to date × 100 (the prorated share). */
    readonly proratedPercent: number | null;
    /** Used to date over the annual quota × 100. */
    readonly annualPercent: number;
  };
  readonly projection: QuotaProjection;
  readonly months: readonly QuotaMonthRow[];
}

const DAY_MS = 86_400_000;

export function computeQuotaProgress(input: QuotaProgressInput): QuotaProgress {
  const { quota, asOfMs, months } = input;
  if (months.length !== 12) throw new Error(`a quota year has 12 months, got ${months.length}`);
  const first = months[0] as QuotaMonth;
  const last = months[11] as QuotaMonth;
  const status: QuotaStatus = asOfMs <= first.fromMs ? 'not_started' : asOfMs >= last.toMs ? 'closed' : 'in_progress';
  const allocation = allocationShares(quota.allocation, months, input.lastYear);
  const monthQuotas = allocation.shares.map((s) => s * quota.value);

  // The month holding asOfMs and how much of it has elapsed (its whole once the year closed).
  const index = status === 'closed' ? 11 : months.findIndex((m) => asOfMs >= m.fromMs && asOfMs < m.toMs);
  const current = index < 0 ? undefined : (months[index] as QuotaMonth);
  const elapsedShare =
    current === undefined ? 0 : Math.min(1, (asOfMs - current.fromMs) / (current.toMs - current.fromMs));
  const shareToDate =
    current === undefined
      ? 0
      : allocation.shares.slice(0, index).reduce((a, b) => a + b, 0) + (allocation.shares[index] ?? 0) * elapsedShare;
  const quotaToDate = quota.value * shareToDate;
  const used = input.yearToDate;

  const month =
    current === undefined
      ? null
      : {
          label: current.label,
          index,
          elapsedShare,
          elapsedDays: (Math.min(asOfMs, current.toMs) - current.fromMs) / DAY_MS,
          quota: monthQuotas[index] ?? 0,
          quotaToDate: (monthQuotas[index] ?? 0) * elapsedShare,
          used: input.thisYear[index] ?? 0,
          percent: percentOf(input.thisYear[index] ?? 0, (monthQuotas[index] ?? 0) * elapsedShare),
        };

  return {
    quota,
    unit: QUOTA_METRIC_RULES[quota.metric].unit,
    asOfMs,
    status,
    allocation,
    month,
    yearToDate: {
      elapsedShare: shareToDate,
      elapsedDays: (Math.min(Math.max(asOfMs, first.fromMs), last.toMs) - first.fromMs) / DAY_MS,
      quotaToDate,
      used,
      proratedPercent: percentOf(used, quotaToDate),
      annualPercent: (used / quota.value) * 100,
    },
    projection: project(input, status, index, elapsedShare, shareToDate),
    months: months.map((m, i) => ({
      label: m.label,
      quota: monthQuotas[i] ?? 0,
      used: input.thisYear[i] ?? null,
      lastYear: input.lastYear[i] ?? null,
    })),
  };
}

function percentOf(value: number, of: number): number | null {
  return of > 0 ? (value / of) * 100 : null;
}

/** Last year is complete when every month had readings and the year used something. */
function lastYearComplete(lastYear: readonly (number | null)[]): lastYear is readonly number[] {
  return lastYear.length === 12 && lastYear.every((v) => v !== null) && sum(lastYear as number[]) > 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function allocationShares(
  spec: QuotaAllocationSpec,
  months: readonly QuotaMonth[],
  lastYear: readonly (number | null)[],
): QuotaProgress['allocation'] {
  const flat = () => {
    const lengths = months.map((m) => m.toMs - m.fromMs);
    const total = sum(lengths);
    return lengths.map((l) => l / total);
  };
  if (spec.kind === 'seasonal') {
    const total = sum(spec.weights);
    return { requested: 'seasonal', used: 'seasonal', shares: spec.weights.map((w) => w / total), note: null };
  }
  if (spec.kind === 'last_year') {
    if (lastYearComplete(lastYear)) {
      const total = sum(lastYear);
      return { requested: 'last_year', used: 'last_year', shares: lastYear.map((v) => v / total), note: null };
    }
    const note = "last year's shape needs readings in every month of last year: spread flat over the year instead";
    return { requested: 'last_year', used: 'flat', shares: flat(), note };
  }
  return { requested: 'flat', used: 'flat', shares: flat(), note: null };
}

/**
 * To the end of the year, from the year to date:
 * - last_year_shape (last year complete): last year's remaining months (the rest of the
 *   current month included) scaled by this year's ratio to last year at the same point;
 * - allocation_profile (otherwise): the year to date over the allocation's share elapsed;
 * - actual once the year has closed; none before anything has elapsed.
 */
function project(
  input: QuotaProgressInput,
  status: QuotaStatus,
  index: number,
  elapsedShare: number,
  shareToDate: number,
): QuotaProjection {
  const { quota, yearToDate } = input;
  const withValue = (
    method: QuotaProjectionMethod,
    value: number,
    ratio: number | null,
    note: string,
  ): QuotaProjection => ({
    method,
    value,
    percent: (value / quota.value) * 100,
    ratioToLastYear: ratio,
    note,
  });
  if (status === 'closed') return withValue('actual', yearToDate, null, 'the year has closed: its actual total');
  if (status === 'not_started' || index < 0 || shareToDate <= 0)
    return { method: 'none', value: null, percent: null, ratioToLastYear: null, note: 'the year has not started' };
  const { lastYear } = input;
  if (lastYearComplete(lastYear)) {
    const currentLastYear = lastYear[index] as number;
    const lastYearToDate = sum(lastYear.slice(0, index)) + currentLastYear * elapsedShare;
    if (lastYearToDate > 0) {
      const ratio = yearToDate / lastYearToDate;
      const remaining = currentLastYear * (1 - elapsedShare) + sum(lastYear.slice(index + 1));
      const note =
        `last year's remaining shape (${round(remaining)} ${QUOTA_METRIC_RULES[quota.metric].unit}) ` +
        `scaled by this year's ratio to last year to date (${round(ratio)})`;
      return withValue('last_year_shape', yearToDate + ratio * remaining, ratio, note);
    }
  }
  const note =
    `the allocation profile scaled by the ratio to date: year to date over the allocation's share elapsed ` +
    `(${round(shareToDate * 100)} %); last year has no reading in some month`;
  return withValue('allocation_profile', yearToDate / shareToDate, null, note);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
