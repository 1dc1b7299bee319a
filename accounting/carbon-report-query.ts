import { AppError, ERROR_CODES, type ErrorCode, periodRange } from '../src/kernel/index.js';
import {
  buildCarbonReport,
  periodFigures,
  type CarbonReport,
  type CarbonReportInput,
  type ElectricityBasis,
  type FactorCatalogue,
  type MeterPeriodFigures,
  type MeterSpec,
  type ReportInstitution,
  type ReportMeter,
  virtualMeterRows,
} from './core/index.js';
import { meterSpec, timeZoneOf, type FleetView } from './fleet-view.js';
import type { AccountingStore, InstitutionConfig, MeterConfig } from './ports.js';
import { createPeriodFiguresCache, type PeriodFiguresCacheOptions } from './period-figures-cache.js';
import { storeConsumption, type ConsumptionRun } from './store-consumption.js';

/**
 * The carbon report of a node of the organisation tree for a month or a year
 * (issue 3 §8): maps the fleet to the report engine's input, computes each
 * meter's period figures in the store (this period and the same period last
 * year), and runs the pure engine (accounting/core/carbon-report.ts).
 *
 * The data cut-off is the earliest "last stored reading" over the node's meters
 * that have reported at all, capped at the period's end: every figure is
 * complete up to it. A current month is allowed and shows as partial through it.
 */

/** Printed on every report; bumped when a rule that changes figures changes. */
export const METHODOLOGY_VERSION = 'tanhe-accounting-2026.2';

export interface CarbonReportQuery {
  readonly orgId: string;
  /** 'YYYY-MM' or 'YYYY', in the node's time zone. */
  readonly period: string;
  readonly basis: ElectricityBasis;
}

export interface CarbonReportDeps {
  readonly store: AccountingStore;
  readonly fleet: FleetView;
  readonly catalogue: FactorCatalogue;
  readonly methodologyVersion: string;
  readonly nowMs: () => number;
  /**
   * Reuse of a period's per-meter figures while the store's fingerprints of the readings behind them
   * are unchanged (accounting/period-figures-cache.ts); on by default, `{ maxMeterPeriods: 0 }` turns it off.
   */
  readonly figuresCache?: PeriodFiguresCacheOptions;
}

export interface CarbonReportRun {
  readonly report: CarbonReport;
  readonly input: CarbonReportInput;
  readonly stats: { readonly current: ConsumptionRun['stats']; readonly previousYear: ConsumptionRun['stats'] | null };
}

export function createCarbonReportQuery(
  deps: CarbonReportDeps,
): (query: CarbonReportQuery) => Promise<CarbonReportRun> {
  const cachedPeriodFigures = createPeriodFiguresCache(meterPeriodFigures, deps.figuresCache);
  return async (query) => {
    const institutions = deps.fleet.institutionsUnder(query.orgId);
    if (institutions === undefined)
      throw new AppError('ORG_NOT_FOUND', `no organisation unit or institution ${query.orgId}`);
    const timeZone = timeZoneOf(institutions);
    const range = /^\d{4}(-\d{2})?$/.test(query.period) ? periodRange(query.period, timeZone) : undefined;
    if (range === undefined) throw new AppError('BAD_PERIOD', `period ${query.period} is not YYYY-MM or YYYY`);
    const nowMs = deps.nowMs();
    if (range.fromMs > nowMs) throw new AppError('BAD_PERIOD', `period ${query.period} has not started yet`);
    const previousLabel = query.period.replace(/^\d{4}/, (y) => String(Number(y) - 1));
    const previousRange = periodRange(previousLabel, timeZone);

    const meters = deps.fleet.metersOf(institutions.map((i) => i.id));
    const virtualMeters = deps.fleet.virtualMetersOf(institutions.map((i) => i.id));
    const specs = meters.map(meterSpec);
    const [current, previous, summaries] = await Promise.all([
      cachedPeriodFigures(deps.store, specs, range.fromMs, range.toMs, timeZone),
      previousRange === undefined
        ? undefined
        : cachedPeriodFigures(deps.store, specs, previousRange.fromMs, previousRange.toMs, timeZone),
      deps.store.meterSummaries(),
    ]);
    const lastTimes = meters.flatMap((m) => {
      const summary = summaries.get(m.id);
      return summary === undefined ? [] : [summary.lastTsMs];
    });
    const dataCutoffMs = Math.min(range.toMs, nowMs, ...lastTimes);

    const input: CarbonReportInput = {
      orgId: query.orgId,
      period: { label: query.period, fromMs: range.fromMs, toMs: range.toMs, timeZone },
      basis: query.basis,
      generatedAtMs: nowMs,
      dataCutoffMs,
      orgs: deps.fleet.fleet.orgs.map((o) => ({ id: o.id, name: o.name, level: o.level, parentId: o.parent ?? null })),
      institutions: institutions.map(reportInstitution),
      meters: meters.map((m) => reportMeter(m, deps.fleet)),
      current: current.figures,
      ...(previous === undefined ? {} : { previousYear: previous.figures }),
      catalogue: deps.catalogue,
      methodologyVersion: deps.methodologyVersion,
    };
    const result = buildCarbonReport(input);
    if ('error' in result) {
      const code: ErrorCode = result.error.code in ERROR_CODES ? (result.error.code as ErrorCode) : 'INTERNAL';
      throw new AppError(code, result.error.message);
    }
    // Virtual meters are evaluated from the same figures and listed beside the lines, never in them.
    const virtualRows = virtualMeterRows(virtualMeters, new Set(institutions.map((i) => i.id)), current.figures);
    const virtualNotes = virtualRows
      .filter((v) => v.negative)
      .map(
        (v) =>
          `virtual meter ${v.id} (${v.expression}) is negative: ${v.consumption} ${v.unit}; the subtracted meters read more than the others: check the meters`,
      );
    const report: CarbonReport = {
      ...result.ok,
      virtualMeters: virtualRows,
      notes: [...result.ok.notes, ...virtualNotes],
    };
    return { report, input, stats: { current: current.stats, previousYear: previous?.stats ?? null } };
  };
}

/**
 * Each meter's figures over [fromMs, toMs): month segments from the store, days
 * for meters with an anomalous month, raw readings only for anomalous days.
 */
export async function meterPeriodFigures(
  store: AccountingStore,
  meters: readonly MeterSpec[],
  fromMs: number,
  toMs: number,
  timeZone: string,
): Promise<{ figures: Map<string, MeterPeriodFigures>; stats: ConsumptionRun['stats'] }> {
  const run = await storeConsumption(store, {
    meters,
    fromMs,
    toMs,
    timeZone,
    boundaries: [fromMs, toMs],
    segmentBucket: 'month',
    refineBucket: 'day',
  });
  const figures = new Map<string, MeterPeriodFigures>();
  for (const meter of meters) {
    const result = run.results.get(meter.id);
    const bucket = result?.buckets[0];
    if (result === undefined || bucket === undefined) continue;
    figures.set(meter.id, periodFigures(meter.id, bucket));
  }
  return { figures, stats: run.stats };
}

/** The fleet's institution as the report engine reads it (also what quota figures use: alerts/quota-figures.ts). */
export function reportInstitution(i: InstitutionConfig): ReportInstitution {
  return {
    id: i.id,
    name: i.name,
    orgId: i.org,
    type: i.type,
    timeZone: i.timezone,
    ...(i.gridRegion === undefined ? {} : { gridRegion: i.gridRegion }),
    floorAreaM2: i.floorAreaM2,
    occupants: i.occupants,
    ...(i.baseline === undefined ? {} : { baseline: i.baseline }),
    ...(i.targets === undefined ? {} : { targets: i.targets }),
    ...(i.greenInstruments === undefined ? {} : { greenInstruments: i.greenInstruments }),
    ...(i.factorVariants === undefined ? {} : { factorVariants: i.factorVariants }),
  };
}

/** The fleet's meter as the report engine reads it. */
export function reportMeter(m: MeterConfig, fleet: FleetView): ReportMeter {
  return {
    id: m.id,
    ...(m.name === undefined ? {} : { name: m.name }),
    institutionId: fleet.institutionOfMeter(m.id)?.id ?? '',
    carrier: m.carrier,
    unit: m.unit,
    ...(m.endUse === undefined ? {} : { endUse: m.endUse }),
    ...(m.parent === undefined ? {} : { parentId: m.parent }),
    ...(m.behindMeter === undefined ? {} : { behindMeterId: m.behindMeter }),
  };
}
