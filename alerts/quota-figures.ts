import {
  buildCarbonReport,
  EDGE_WINDOW_MS,
  meterPeriodFigures,
  reportInstitution,
  reportMeter,
  meterSpec,
  type AccountingStore,
  type CarbonSummary,
  type ElectricityBasis,
  type FactorCatalogue,
  type FleetView,
  type InstitutionConfig,
  type MeterPeriodFigures,
  type ReportMeter,
} from '../accounting/index.js';
import { periodRange } from '../src/kernel/index.js';
import { asOfAccountingStore } from './quota-as-of-store.js';

/**
 * The carbon report's figures of institutions, per month and for the year, as they stood at
 * an instant: the figures a quota is tracked with (docs/alerts.md, "Quotas").
 *
 * Why the engine functions and not the report use case (accounting/carbon-report-query.ts)
 * once per institution and month: the use case computes each period for one node and the
 * same period last year, so a year of months for N institutions would be 2 × 25 × N store
 * passes. Here each period is computed once for the meters of all the institutions
 * (`meterPeriodFigures`, the use case's own store pass: a meter's figures do not depend on
 * the other meters asked with it) and the pure engine (`buildCarbonReport`) builds each
 * institution's report from them, with the same input mapping as the use case; a test
 * (alerts/quota-rules.test.ts) holds the figures equal to the report's.
 */

export interface QuotaFiguresDeps {
  readonly store: AccountingStore;
  readonly fleet: FleetView;
  readonly catalogue: FactorCatalogue;
  readonly methodologyVersion: string;
  /**
   * Only while the store does not change (a backtest): the meters' figures of periods that
   * closed more than the edge window before the instant, kept across evaluations.
   */
  readonly closedPeriods?: Map<string, ReadonlyMap<string, MeterPeriodFigures>> | undefined;
}

export interface PeriodFigures {
  /** null: the period had not begun at the instant. */
  readonly summary: CarbonSummary | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface InstitutionYearFigures {
  /** 12 months, January first. */
  readonly months: readonly PeriodFigures[];
  /** The whole year (not computed, all null, when the request said `months only`). */
  readonly year: PeriodFigures;
}

/**
 * Per institution, the 12 months and the whole of `year` in `timeZone` (the institutions'
 * shared zone), from data before `asOfMs`.
 */
export async function institutionYearFigures(
  deps: QuotaFiguresDeps,
  request: {
    readonly institutions: readonly InstitutionConfig[];
    readonly year: number;
    readonly timeZone: string;
    readonly asOfMs: number;
    readonly basis: ElectricityBasis;
    /** Skip the whole year's report (last year's months are all a projection needs). */
    readonly monthsOnly?: boolean;
  },
): Promise<Map<string, InstitutionYearFigures>> {
  const { institutions, year, timeZone, asOfMs, basis } = request;
  const store = asOfAccountingStore(deps.store, asOfMs);
  const meters = deps.fleet.metersOf(institutions.map((i) => i.id));
  const specs = meters.map(meterSpec);
  const orgs = deps.fleet.fleet.orgs.map((o) => ({
    id: o.id,
    name: o.name,
    level: o.level,
    parentId: o.parent ?? null,
  }));
  const metersOf = new Map<string, ReportMeter[]>();
  for (const m of meters) {
    const report = reportMeter(m, deps.fleet);
    const list = metersOf.get(report.institutionId);
    if (list) list.push(report);
    else metersOf.set(report.institutionId, [report]);
  }
  const labels = [
    ...Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`),
    ...(request.monthsOnly === true ? [] : [String(year)]),
  ];
  const memoKey = (label: string) => `${timeZone}|${label}|${meters.map((m) => m.id).join(',')}`;
  const periods = await Promise.all(
    labels.map(async (label) => {
      const range = periodRange(label, timeZone);
      if (range === undefined || range.fromMs >= asOfMs) return { label, range, figures: undefined };
      // A period whose edge window lies before the instant reads the same data at every later instant.
      const settled = deps.closedPeriods !== undefined && range.toMs + EDGE_WINDOW_MS <= asOfMs;
      const known = settled ? deps.closedPeriods?.get(memoKey(label)) : undefined;
      if (known !== undefined) return { label, range, figures: known };
      const { figures } = await meterPeriodFigures(store, specs, range.fromMs, range.toMs, timeZone);
      if (settled) deps.closedPeriods?.set(memoKey(label), figures);
      return { label, range, figures };
    }),
  );
  const result = new Map<string, InstitutionYearFigures>();
  for (const institution of institutions) {
    const perPeriod = periods.map(({ label, range, figures }): PeriodFigures => {
      if (range === undefined || figures === undefined) return { summary: null, error: null };
      const built = buildCarbonReport({
        orgId: institution.id,
        period: { label, fromMs: range.fromMs, toMs: range.toMs, timeZone },
        basis,
        generatedAtMs: asOfMs,
        dataCutoffMs: Math.min(range.toMs, asOfMs),
        orgs,
        institutions: [reportInstitution(institution)],
        meters: metersOf.get(institution.id) ?? [],
        current: figures,
        catalogue: deps.catalogue,
        methodologyVersion: deps.methodologyVersion,
      });
      return 'error' in built ? { summary: null, error: built.error } : { summary: built.ok, error: null };
    });
    const whole = perPeriod[12] ?? { summary: null, error: null };
    result.set(institution.id, { months: perPeriod.slice(0, 12), year: whole });
  }
  return result;
}
