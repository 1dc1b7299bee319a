import {
  applyFactor,
  convertQuantity,
  DEFAULT_GRID_FACTOR_SERIES,
  selectFactor,
  type AccountingStore,
  type FactorCatalogue,
  type FactorQuery,
  type FleetView,
  type InstitutionConfig,
  type MeterConfig,
  type RawReadingQuery,
} from '../accounting/index.js';
import { AppError, UNITS, type Unit } from '../src/kernel/index.js';
import type { AlertRule, RuleFinding } from './core/alert-types.js';
import {
  analyseMeter,
  analyseMeterWithMemo,
  baselineWindow,
  createZoneGrid,
  type BaselineParams,
  type MeterAnalysis,
  type MeterAnalysisMemo,
  type ZoneGrid,
} from './core/baseline-analysis.js';
import { baselineFindings, type Co2Factor } from './core/baseline-findings.js';
import type { HourlyConsumption, HourPlacements, ProfileBand } from './core/baseline-profile.js';
import { createWorkingCalendar, type CalendarDay, type WorkingCalendar } from './core/working-calendar.js';
import {
  createHourlyConsumptionMemo,
  hourlyConsumption,
  pruneMemo,
  type HourlyConsumptionMemo,
} from './hourly-consumption.js';
import type { RuleFamily } from './ports.js';
import { withSharedRangeReads, type MeterReadings } from './shared-range-reads.js';
import { zoneReads } from './zone-reads.js';
import type { BaselineSettings } from './settings/baseline-settings.js';

export { DAY_KINDS, CALENDAR_SOURCES, createWorkingCalendar } from './core/working-calendar.js';
export type { CalendarDay, DayKind, WorkingCalendar } from './core/working-calendar.js';
export type { ProfileBand } from './core/baseline-profile.js';
export { baselineSettingsSchema, type BaselineSettings } from './settings/baseline-settings.js';

/**
 * The baseline rule family (baseline_anomaly, off_hours_waste; docs/alerts.md, "Baselines") and
 * the per-meter view the baseline route shows. Hourly consumption comes from accounting (the same
 * engine and quality flags as the consumption series); only fully measured hours are learned from
 * and judged. As of `asOfMs`, only readings with a device time before it are read, so a backtest
 * of a past instant sees what the live evaluation saw then.
 */

export const BASELINE_RULES = ['baseline_anomaly', 'off_hours_waste'] as const satisfies readonly AlertRule[];

export interface BaselineRulesDeps {
  readonly store: AccountingStore;
  readonly fleet: FleetView;
  /** The factor catalogue, for the CO2 of wasted energy (the factor the carbon report uses). */
  readonly catalogue: FactorCatalogue;
  /** The grid factor series of the carbon report; its default when absent. */
  readonly gridFactorSeries?: string | undefined;
  /**
   * Ingest's multi-meter read, for the raw reads of a pass that share one range (the closed days' look-ahead
   * past midnight) when the accounting store has no batch of its own (shared-range-reads.ts); absent: one
   * request per meter, as before.
   */
  readonly readings?: MeterReadings | undefined;
}

/** Carriers whose consumption does not follow occupancy (PV generation follows the sun). */
const NOT_JUDGED_CARRIERS: ReadonlySet<string> = new Set(['pv_generation']);

const minutesOf = (clock: string): number => {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

export function baselineParams(settings: BaselineSettings): BaselineParams {
  return {
    learningWeeks: settings.learningWeeks,
    minLearningDays: settings.minLearningDays,
    minSamples: settings.minSamples,
    bandK: settings.bandK,
    bandFloorShare: settings.bandFloorShare,
    bandFloorAbsolute: settings.bandFloorAbsolute,
    consecutiveHours: settings.consecutiveHours,
    lookbackDays: settings.lookbackDays,
    workingHours: {
      startMinute: minutesOf(settings.workingHours.start),
      endMinute: minutesOf(settings.workingHours.end),
    },
    offHoursWaste: settings.offHoursWaste,
  };
}

export function baselineCalendar(settings: BaselineSettings): WorkingCalendar {
  return createWorkingCalendar({ source: settings.calendar, overrides: settings.calendarOverrides });
}

/**
 * The store as it stood at `asOfMs`: no reading at or after it is used. Ranges end before it
 * already; the one read past a range is the first reading after its end (it closes the last
 * interval), dropped here when it is not before `asOfMs`.
 */
function storeAsOf(store: AccountingStore, asOfMs: number): AccountingStore {
  const cut = <Q extends { readonly toMs: number }>(q: Q): Q => ({ ...q, toMs: Math.min(q.toMs, asOfMs) });
  const batch = store.readingsBatch?.bind(store);
  return {
    registerSegments: (q) => store.registerSegments(cut(q)),
    readings: (q) => store.readings(cut(q)),
    ...(batch === undefined ? {} : { readingsBatch: (queries: readonly RawReadingQuery[]) => batch(queries.map(cut)) }),
    async edgeReadings(q) {
      const edges = await store.edgeReadings(q);
      return {
        before: new Map([...edges.before].filter(([, r]) => r.tsMs < asOfMs)),
        after: new Map([...edges.after].filter(([, r]) => r.tsMs < asOfMs)),
      };
    },
    meterSummaries: () => store.meterSummaries(),
    readingFingerprints: (q) => store.readingFingerprints(cut(q)),
  };
}

interface Analysed {
  readonly meter: MeterConfig;
  readonly institution: InstitutionConfig;
  readonly analysis: MeterAnalysis;
}

async function analyse(
  deps: BaselineRulesDeps,
  params: BaselineParams,
  calendar: WorkingCalendar,
  institution: InstitutionConfig,
  meters: readonly MeterConfig[],
  asOfMs: number,
): Promise<Analysed[]> {
  const analyses = await analyseZone(deps, params, calendar, institution.timezone, meters, asOfMs);
  return meters.map((meter) => ({ meter, institution, analysis: analyses.get(meter.id) as MeterAnalysis }));
}

/**
 * What the family keeps between evaluations (docs/alerts.md, "Evaluation cost"): closed chunks' hourly
 * figures, each meter's analysis memo (profiles learned once a day, the analysis within an hour), and
 * per zone the hours placed in the calendar (a pure function of the hour, the zone and the calendar).
 */
interface BaselineMemo {
  readonly hours: HourlyConsumptionMemo;
  readonly meters: Map<string, MeterAnalysisMemo>;
  readonly placements: Map<string, HourPlacements>;
  /** Per zone, the calendar work its meters share at an instant (the window, hour grids, days). */
  readonly grids: Map<string, ZoneGrid>;
}

/** Placements kept per zone before the ones older than the window are dropped (a year of hours is ~9 000). */
const MAX_PLACEMENTS = 4_000;

/** The analysis of meters of one zone as of an instant, by meter id. */
async function analyseZone(
  deps: BaselineRulesDeps,
  params: BaselineParams,
  calendar: WorkingCalendar,
  timeZone: string,
  meters: readonly MeterConfig[],
  asOfMs: number,
  memo?: BaselineMemo,
  /** The store to read through (the evaluation's, shared by its passes); the deps' as of the instant when absent. */
  store: AccountingStore = storeAsOf(withSharedRangeReads(deps.store, deps.readings), asOfMs),
): Promise<Map<string, MeterAnalysis>> {
  if (meters.length === 0) return new Map();
  const { dataFromMs, judgedToMs } = baselineWindow(asOfMs, timeZone, params);
  const hours =
    dataFromMs < judgedToMs
      ? await hourlyConsumption(store, meters, dataFromMs, judgedToMs, timeZone, memo?.hours)
      : new Map<string, HourlyConsumption[]>();
  // The meters share the window's hours: each is placed in the calendar once for all of them.
  let placements = memo?.placements.get(timeZone);
  if (placements === undefined) {
    placements = new Map();
    memo?.placements.set(timeZone, placements);
  } else if (placements.size > MAX_PLACEMENTS) {
    for (const startMs of placements.keys()) if (startMs < dataFromMs) placements.delete(startMs);
  }
  let grid = memo?.grids.get(timeZone);
  if (grid === undefined) {
    grid = createZoneGrid();
    memo?.grids.set(timeZone, grid);
  }
  const out = new Map<string, MeterAnalysis>();
  for (const meter of meters) {
    const input = { hours: hours.get(meter.id) ?? [], asOfMs, timeZone, calendar, params, placements, grid };
    if (memo === undefined) {
      out.set(meter.id, analyseMeter(input));
      continue;
    }
    const next = analyseMeterWithMemo(input, memo.meters.get(meter.id));
    if (next.memo === undefined) memo.meters.delete(meter.id);
    else memo.meters.set(meter.id, next.memo);
    out.set(meter.id, next.analysis);
  }
  return out;
}

/** The CO2 per unit of a meter's carrier, as the carbon report would pick it for the day's year. */
function co2FactorOf(
  deps: BaselineRulesDeps,
  institution: InstitutionConfig,
  meter: MeterConfig,
): (date: string) => Co2Factor {
  const cache = new Map<number, Co2Factor>();
  return (date) => {
    const year = Number(date.slice(0, 4));
    const cached = cache.get(year);
    if (cached !== undefined) return cached;
    const factor = lookupCo2(deps, institution, meter, year);
    cache.set(year, factor);
    return factor;
  };
}

function lookupCo2(
  deps: BaselineRulesDeps,
  institution: InstitutionConfig,
  meter: MeterConfig,
  year: number,
): Co2Factor {
  const carrier = meter.carrier;
  if (carrier === 'water') return { unavailable: 'water is a resource: no CO2 factor' };
  const electricity = carrier === 'electricity';
  if (electricity && institution.gridRegion === undefined)
    return { unavailable: `institution ${institution.id} has no gridRegion: no grid emission factor` };
  const variant = institution.factorVariants?.[carrier];
  const hasVariants = deps.catalogue.entries.some(
    (e) => e.kind === 'emission' && e.carrier === carrier && e.variant !== undefined,
  );
  const query: FactorQuery = {
    kind: 'emission',
    carrier,
    year,
    ...(institution.gridRegion === undefined ? {} : { region: institution.gridRegion }),
    ...(electricity ? { series: deps.gridFactorSeries ?? DEFAULT_GRID_FACTOR_SERIES } : {}),
    ...(variant !== undefined && hasVariants ? { variant } : {}),
  };
  const selection = selectFactor(deps.catalogue, query);
  if ('error' in selection) return { unavailable: selection.error.message };
  const { entry } = selection.ok;
  if (!(UNITS as readonly string[]).includes(meter.unit)) return { unavailable: `unknown unit ${meter.unit}` };
  const applied = applyFactor({ value: 1, unit: meter.unit as Unit }, entry);
  if ('error' in applied) return { unavailable: applied.error.message };
  const kg = convertQuantity(applied.ok.value, applied.ok.unit, 'kgCO2');
  if (kg === undefined) return { unavailable: `factor ${entry.id} does not yield CO2` };
  return { factorId: entry.id, kgCo2PerUnit: kg };
}

function judgedMeters(fleet: FleetView, institutionId: string): MeterConfig[] {
  return fleet.metersOf([institutionId]).filter((m) => !NOT_JUDGED_CARRIERS.has(m.carrier));
}

/** Meters whose hourly consumption is read in one engine pass (bounds the size of one store answer). */
const METERS_PER_PASS = 500;

export function createBaselineRules(deps: BaselineRulesDeps, settings: BaselineSettings): RuleFamily {
  const params = baselineParams(settings);
  const calendar = baselineCalendar(settings);
  // The fleet is fixed for the rules' life: each institution's judged meters are listed once.
  const judged = new Map(deps.fleet.fleet.institutions.map((i) => [i.id, judgedMeters(deps.fleet, i.id)]));
  // Closed chunks' hourly figures, profiles and analyses between evaluations, reused while their inputs are unchanged.
  const memo: BaselineMemo = {
    hours: createHourlyConsumptionMemo(),
    meters: new Map(),
    placements: new Map(),
    grids: new Map(),
  };
  return {
    name: 'baseline',
    rules: BASELINE_RULES,
    async evaluate(asOfMs) {
      // Institutions of one zone share the baseline window: their meters go through the engine together
      // (a meter's hourly figures do not depend on the meters asked with it), in passes of at most
      // METERS_PER_PASS meters, instead of one pass per institution. Findings keep the fleet's order.
      const byZone = new Map<string, { institution: InstitutionConfig; meter: MeterConfig }[]>();
      for (const institution of deps.fleet.fleet.institutions) {
        const list = byZone.get(institution.timezone) ?? [];
        for (const meter of judged.get(institution.id) ?? []) list.push({ institution, meter });
        byZone.set(institution.timezone, list);
      }
      const analysed = new Map<string, MeterAnalysis>();
      for (const [timeZone, list] of byZone) {
        // The passes of a zone share its validation reads (fingerprints, edges): one store read for all of them.
        const zoneIds = list.map((x) => x.meter.id);
        const store = storeAsOf(zoneReads(withSharedRangeReads(deps.store, deps.readings), zoneIds), asOfMs);
        for (let i = 0; i < list.length; i += METERS_PER_PASS) {
          const batch = list.slice(i, i + METERS_PER_PASS).map((x) => x.meter);
          for (const [id, analysis] of await analyseZone(deps, params, calendar, timeZone, batch, asOfMs, memo, store))
            analysed.set(id, analysis);
        }
      }
      pruneMemo(memo.hours);
      const findings: RuleFinding[] = [];
      for (const institution of deps.fleet.fleet.institutions) {
        for (const meter of judged.get(institution.id) ?? []) {
          const analysis = analysed.get(meter.id);
          if (analysis === undefined) continue;
          const co2 = co2FactorOf(deps, institution, meter);
          findings.push(...baselineFindings(meter, analysis, co2, params.consecutiveHours));
        }
      }
      return findings;
    },
  };
}

/** What the baseline route shows for one meter as of an instant. */
export interface MeterBaselineView {
  readonly meterId: string;
  readonly unit: string;
  readonly timeZone: string;
  readonly asOfMs: number;
  /** ok: judged; insufficient_history: too little learned history; not_judged: the rules skip this meter. */
  readonly status: 'ok' | 'insufficient_history' | 'not_judged';
  readonly reason: string | null;
  readonly learning: {
    readonly fromMs: number;
    readonly toMs: number;
    readonly weeks: number;
    readonly learningDays: number;
    readonly minLearningDays: number;
  };
  readonly judged: { readonly fromMs: number; readonly toMs: number; readonly hours: number };
  readonly calendar: { readonly source: WorkingCalendar['source']; readonly coveredYears: readonly number[] };
  readonly profile: readonly ProfileBand[];
  readonly days: readonly CalendarDay[];
  readonly findings: readonly RuleFinding[];
}

export type MeterBaselineQuery = (meterId: string, asOfMs: number) => Promise<MeterBaselineView>;

export function createMeterBaselineQuery(deps: BaselineRulesDeps, settings: BaselineSettings): MeterBaselineQuery {
  const params = baselineParams(settings);
  const calendar = baselineCalendar(settings);
  return async (meterId, asOfMs) => {
    const meter = deps.fleet.meter(meterId);
    const institution = deps.fleet.institutionOfMeter(meterId);
    if (meter === undefined || institution === undefined) throw new AppError('METER_NOT_FOUND', `no meter ${meterId}`);
    const judged = !NOT_JUDGED_CARRIERS.has(meter.carrier);
    const [analysed] = judged
      ? await analyse(deps, params, calendar, institution, [meter], asOfMs)
      : [{ analysis: analyseMeter({ hours: [], asOfMs, timeZone: institution.timezone, calendar, params }) }];
    const analysis = (analysed as { analysis: MeterAnalysis }).analysis;
    const { history, profile, window } = analysis;
    const findings = judged
      ? baselineFindings(meter, analysis, co2FactorOf(deps, institution, meter), params.consecutiveHours)
      : [];
    const status = !judged ? 'not_judged' : history.status;
    const reason = !judged
      ? `${meter.carrier} meters are not judged against a baseline (their use does not follow occupancy)`
      : history.status === 'insufficient_history'
        ? `${history.learningDays} day(s) with measured hours in the ${params.learningWeeks} learning week(s),` +
          ` ${history.neededDays} needed`
        : null;
    return {
      meterId: meter.id,
      unit: meter.unit,
      timeZone: institution.timezone,
      asOfMs,
      status,
      reason,
      learning: {
        fromMs: profile.fromMs,
        toMs: profile.toMs,
        weeks: params.learningWeeks,
        learningDays: profile.learningDays,
        minLearningDays: params.minLearningDays,
      },
      judged: {
        fromMs: window.judgedFromMs,
        toMs: window.judgedToMs,
        hours: analysis.judged.filter((h) => h.position !== 'unjudged').length,
      },
      calendar: { source: calendar.source, coveredYears: calendar.coveredYears },
      profile: profile.bands,
      days: analysis.days,
      findings,
    };
  };
}
