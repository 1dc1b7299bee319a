/**
 * What an energy quota (能耗定额) measures, read from the carbon report's figures so that
 * the quota's "used" is the number an auditor finds on the report (docs/alerts.md, "Quotas").
 *
 * A metric is a numerator (kgce, kg CO2e or m³ of water, of the whole institution, of one
 * carrier, or of one 分项 item) over a denominator (none, floor area, occupants). The
 * denominator is always the year's (time-weighted over the whole year, as the annual
 * report divides), so that the months of a year add up to its year-to-date figure.
 */

export const QUOTA_METRICS = ['tce', 'kgce_per_m2', 'kgce_per_person', 'water_m3_per_person', 'co2_t'] as const;
export type QuotaMetric = (typeof QUOTA_METRICS)[number];

interface MetricRule {
  readonly numerator: 'kgce' | 'co2eKg' | 'waterM3';
  readonly denominator: 'none' | 'floorAreaM2' | 'occupants';
  /** Numerator units per metric unit (1000 kgce = 1 tce). */
  readonly scale: number;
  readonly unit: string;
  readonly label: { readonly en: string; readonly zh: string };
}

export const QUOTA_METRIC_RULES: Readonly<Record<QuotaMetric, MetricRule>> = {
  tce: { numerator: 'kgce', denominator: 'none', scale: 1000, unit: 'tce', label: { en: 'energy', zh: '综合能耗' } },
  kgce_per_m2: {
    numerator: 'kgce',
    denominator: 'floorAreaM2',
    scale: 1,
    unit: 'kgce/m²',
    label: { en: 'energy per floor area', zh: '单位建筑面积能耗' },
  },
  kgce_per_person: {
    numerator: 'kgce',
    denominator: 'occupants',
    scale: 1,
    unit: 'kgce/person',
    label: { en: 'energy per person', zh: '人均综合能耗' },
  },
  water_m3_per_person: {
    numerator: 'waterM3',
    denominator: 'occupants',
    scale: 1,
    unit: 'm³/person',
    label: { en: 'water per person', zh: '人均用水量' },
  },
  co2_t: {
    numerator: 'co2eKg',
    denominator: 'none',
    scale: 1000,
    unit: 't CO2e',
    label: { en: 'CO2', zh: '二氧化碳排放' },
  },
};

/** The parts of a carbon report summary (accounting's CarbonSummary) a quota reads. */
export interface QuotaReportFigures {
  readonly lines: readonly {
    readonly carrier: string;
    readonly method: string;
    readonly consumption: number;
    readonly kgce: number | null;
    readonly co2eKg: number | null;
  }[];
  readonly totals: { readonly kgce: number; readonly co2eKg: number };
  readonly waterM3: number;
  readonly denominators: { readonly floorAreaM2: number | null; readonly occupants: number | null };
  readonly endUses: readonly {
    readonly carrier: string;
    readonly endUse: string | null;
    readonly consumption: number;
  }[];
  readonly readings: { readonly received: number; readonly expected: number };
}

/**
 * The quota's numerator in a report: the total (scope 'total'), a carrier's lines (the
 * market-based line repeats the location line's energy and is left out), or a 分项 code's
 * share of its carrier: its metered consumption times the carrier's kgce (CO2e) per unit,
 * the coefficient the report applied to that carrier.
 */
export function quotaNumerator(figures: QuotaReportFigures, metric: QuotaMetric, scope: string): number {
  const { numerator } = QUOTA_METRIC_RULES[metric];
  if (scope === 'total') {
    if (numerator === 'waterM3') return figures.waterM3;
    return numerator === 'kgce' ? figures.totals.kgce : figures.totals.co2eKg;
  }
  const carrierOf = (code: string) =>
    code.startsWith('01') ? 'electricity' : code.startsWith('02') ? 'water' : 'natural_gas';
  const isEndUse = /^\d/.test(scope);
  const carrier = isEndUse ? carrierOf(scope) : scope;
  const lines = figures.lines.filter((l) => l.carrier === carrier && !l.method.startsWith('market'));
  const consumption = lines.reduce((sum, l) => sum + l.consumption, 0);
  const amount =
    numerator === 'waterM3'
      ? consumption
      : lines.reduce((sum, l) => sum + ((numerator === 'kgce' ? l.kgce : l.co2eKg) ?? 0), 0);
  if (!isEndUse) return amount;
  const rows = figures.endUses.filter((r) => r.carrier === carrier && r.endUse === scope);
  const endUseConsumption = rows.reduce((sum, r) => sum + r.consumption, 0);
  return consumption > 0 ? (amount * endUseConsumption) / consumption : 0;
}

/** The metric's denominator in a report (1 for totals), or null when the report has none. */
export function quotaDenominator(figures: QuotaReportFigures, metric: QuotaMetric): number | null {
  const { denominator } = QUOTA_METRIC_RULES[metric];
  if (denominator === 'none') return 1;
  const value = figures.denominators[denominator];
  return value === null || value <= 0 ? null : value;
}
