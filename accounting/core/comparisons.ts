import { intensityOf, type Figures } from './roll-up.js';
import {
  INDICATORS,
  type Baseline,
  type ComparisonGap,
  type BaselineComparison,
  type ChangePercents,
  type Comparisons,
  type Denominators,
  type Indicator,
  type PreviousYearComparison,
  type ReportIntensity,
  type Target,
  type TargetStatus,
} from './carbon-report-types.js';

/**
 * Comparisons of a node's figures: against the same period a year earlier
 * (recomputed from that period's meter figures with that year's factors, as the
 * report of that period showed them), against a baseline year, and against
 * targets. Baselines and targets are annual indicators (kgce/m²·a …), so they
 * are compared in annual reports only; a monthly report says why not.
 *
 * At a parent, the baseline of an indicator is the baseline of its
 * institutions weighted by their current denominators (Σ bᵢ·areaᵢ / Σ areaᵢ:
 * the intensity the unit would show if every institution were at its baseline),
 * available only if every institution has that indicator for the same year.
 *
 * A comparison without data is not given: no readings a year earlier, or none
 * in this period, make it null with a reason (a code and words), never a row of
 * zeros or a −100 % change.
 */

export const changePercent = (current: number | null, reference: number | null): number | null =>
  current === null || reference === null || reference === 0 ? null : ((current - reference) / reference) * 100;

/** The baseline of a node, in a form that adds up the tree. */
export interface BaselineParts {
  readonly institutionCount: number;
  /** null: some institution has no baseline, or the years differ (see reason). */
  readonly year: number | null;
  readonly reason: string | null;
  readonly reasonCode: ComparisonGap | null;
  readonly indicators: Readonly<Partial<Record<Indicator, { readonly weighted: number; readonly weight: number }>>>;
  /** Targets every institution of the node shares. */
  readonly targets: readonly Target[];
}

const WEIGHT_OF: Record<Indicator, keyof Denominators> = {
  kgcePerM2: 'floorAreaM2',
  kgcePerPerson: 'occupants',
  waterM3PerPerson: 'occupants',
  co2eKgPerM2: 'floorAreaM2',
};

export function institutionBaseline(
  institutionId: string,
  baseline: Baseline | undefined,
  targets: readonly Target[] | undefined,
  denominators: Denominators,
): BaselineParts {
  if (baseline === undefined) {
    const reason = `institution ${institutionId} has no baseline`;
    const reasonCode = 'no_baseline';
    return { institutionCount: 1, year: null, reason, reasonCode, indicators: {}, targets: targets ?? [] };
  }
  const indicators: Partial<Record<Indicator, { weighted: number; weight: number }>> = {};
  for (const indicator of INDICATORS) {
    const value = baseline[indicator];
    const weight = denominators[WEIGHT_OF[indicator]];
    if (value !== undefined && weight !== null) indicators[indicator] = { weighted: value * weight, weight };
  }
  const year = baseline.year;
  return { institutionCount: 1, year, reason: null, reasonCode: null, indicators, targets: targets ?? [] };
}

const targetKey = (t: Target) => `${t.indicator}|${t.changePercent}|${t.byYear}`;

export function sumBaselines(children: readonly BaselineParts[]): BaselineParts {
  const present = children.filter((c) => c.institutionCount > 0);
  const [first, ...rest] = present;
  if (first === undefined) {
    const reasonCode = 'no_institutions';
    return { institutionCount: 0, year: null, reason: 'no institutions', reasonCode, indicators: {}, targets: [] };
  }
  return rest.reduce<BaselineParts>((acc, child) => {
    const institutionCount = acc.institutionCount + child.institutionCount;
    const childKeys = new Set(child.targets.map(targetKey));
    const targets = acc.targets.filter((t) => childKeys.has(targetKey(t)));
    if (acc.year === null || child.year === null || acc.year !== child.year) {
      const inherited = acc.reason !== null ? acc : child.reason !== null ? child : undefined;
      const reason = inherited?.reason ?? `baseline years differ (${acc.year} and ${child.year})`;
      const reasonCode = inherited?.reasonCode ?? 'baseline_years_differ';
      return { institutionCount, year: null, reason, reasonCode, indicators: {}, targets };
    }
    const indicators: Partial<Record<Indicator, { weighted: number; weight: number }>> = {};
    for (const indicator of INDICATORS) {
      const a = acc.indicators[indicator];
      const b = child.indicators[indicator];
      if (a !== undefined && b !== undefined)
        indicators[indicator] = { weighted: a.weighted + b.weighted, weight: a.weight + b.weight };
    }
    return { institutionCount, year: acc.year, reason: null, reasonCode: null, indicators, targets };
  }, first);
}

function changes(
  current: Figures,
  currentIntensity: ReportIntensity,
  previous: Figures,
  previousIntensity: ReportIntensity,
): ChangePercents {
  return {
    kgce: changePercent(current.totals.kgce, previous.totals.kgce),
    co2eKg: changePercent(current.totals.co2eKg, previous.totals.co2eKg),
    scope1Kg: changePercent(current.totals.scope1Kg, previous.totals.scope1Kg),
    scope2LocationKg: changePercent(current.totals.scope2LocationKg, previous.totals.scope2LocationKg),
    scope2MarketKg: changePercent(current.totals.scope2MarketKg, previous.totals.scope2MarketKg),
    waterM3: changePercent(current.waterM3, previous.waterM3),
    kgcePerM2: changePercent(currentIntensity.kgcePerM2, previousIntensity.kgcePerM2),
    kgcePerPerson: changePercent(currentIntensity.kgcePerPerson, previousIntensity.kgcePerPerson),
    waterM3PerPerson: changePercent(currentIntensity.waterM3PerPerson, previousIntensity.waterM3PerPerson),
    co2eKgPerM2: changePercent(currentIntensity.co2eKgPerM2, previousIntensity.co2eKgPerM2),
  };
}

export interface ComparisonInput {
  readonly current: Figures;
  /** The same node a year earlier, or why not. */
  readonly previous:
    | { readonly period: string; readonly figures: Figures; readonly missingMeterIds: readonly string[] }
    | { readonly reason: string; readonly code: ComparisonGap };
  readonly baseline: BaselineParts;
  /** The report's period: its year, and whether it is a whole year. */
  readonly year: number;
  readonly annual: boolean;
}

/** Linear trajectory: 0 % in the baseline year, the target's change in its year, constant after. */
export function requiredChange(target: Target, baselineYear: number, year: number): number {
  if (target.byYear <= baselineYear) return target.changePercent;
  const progress = Math.min(1, Math.max(0, (year - baselineYear) / (target.byYear - baselineYear)));
  return target.changePercent * progress;
}

export function compare(input: ComparisonInput): Comparisons {
  const currentIntensity = intensityOf(input.current.totals, input.current.waterM3, input.current.denominators);
  const noReadingsNow = input.current.readings.received === 0;
  const nowGap = { reason: 'no readings in this period: nothing to compare', code: 'no_readings_this_period' } as const;
  let previousYear: PreviousYearComparison | null = null;
  let previousYearReason: string | null = null;
  let previousYearReasonCode: ComparisonGap | null = null;
  const previousGap = 'reason' in input.previous ? input.previous : noReadingsNow ? nowGap : undefined;
  if (previousGap !== undefined) [previousYearReason, previousYearReasonCode] = [previousGap.reason, previousGap.code];
  else if (!('reason' in input.previous)) {
    const previous = input.previous.figures;
    const previousIntensity = intensityOf(previous.totals, previous.waterM3, previous.denominators);
    previousYear = {
      period: input.previous.period,
      totals: previous.totals,
      waterM3: previous.waterM3,
      denominators: previous.denominators,
      intensity: previousIntensity,
      changePercent: changes(input.current, currentIntensity, previous, previousIntensity),
      missingMeterIds: input.previous.missingMeterIds,
    };
  }

  const parts = input.baseline;
  let baseline: BaselineComparison | null = null;
  let baselineReason: string | null = null;
  let baselineReasonCode: ComparisonGap | null = null;
  if (!input.annual) {
    baselineReason =
      'baseline and target indicators are annual (per m²·a, per person·a): ' +
      'they are compared in annual reports (period YYYY) only';
    baselineReasonCode = 'annual_only';
  } else if (parts.year === null) {
    [baselineReason, baselineReasonCode] = [parts.reason ?? 'no baseline', parts.reasonCode ?? 'no_baseline'];
  } else if (noReadingsNow) [baselineReason, baselineReasonCode] = [nowGap.reason, nowGap.code];
  else {
    baseline = {
      year: parts.year,
      indicators: INDICATORS.flatMap((indicator) => {
        const p = parts.indicators[indicator];
        if (p === undefined || p.weight === 0) return [];
        const value = p.weighted / p.weight;
        const current = currentIntensity[indicator];
        return [{ indicator, baseline: value, current, changePercent: changePercent(current, value) }];
      }),
    };
  }

  const targets: TargetStatus[] = parts.targets.map((target) => {
    const base = {
      indicator: target.indicator,
      changePercent: target.changePercent,
      byYear: target.byYear,
      baselineYear: parts.year ?? 0,
    };
    const achieved = baseline?.indicators.find((i) => i.indicator === target.indicator)?.changePercent ?? null;
    if (baseline === null || parts.year === null) {
      const reasons = { reason: baselineReason, reasonCode: baselineReasonCode };
      const missing = { achievedChangePercent: null, onTrack: null, ...reasons };
      return { ...base, requiredChangePercent: target.changePercent, ...missing };
    }
    const requiredChangePercent = requiredChange(target, parts.year, input.year);
    if (achieved === null) {
      const reason = `no ${target.indicator} for the baseline or the period`;
      const reasonCode = 'no_indicator';
      return { ...base, requiredChangePercent, achievedChangePercent: null, onTrack: null, reason, reasonCode };
    }
    const onTrack = achieved <= requiredChangePercent;
    return { ...base, requiredChangePercent, achievedChangePercent: achieved, onTrack, reason: null, reasonCode: null };
  });
  return {
    previousYear,
    previousYearReason,
    previousYearReasonCode,
    baseline,
    baselineReason,
    baselineReasonCode,
    targets,
  };
}
