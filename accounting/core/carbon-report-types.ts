import type { ElectricityBasis, FactorCatalogue, FactorFallback } from './factor-lookup.js';
import type { VirtualMeterRow } from './virtual-meters.js';

/**
 * The carbon report's input and output shapes. The input is structural (the
 * use case maps the fleet config and the store's meter-period figures onto it),
 * so the core imports nothing from config/. Every number in the output is kept
 * at full precision (an auditor recomputes it); only the CSV rounds, for display.
 */

// ---------------------------------------------------------------------------
// Input

/** A value that applies from a local date (YYYY-MM-DD) until the next entry's date. */
export interface DatedValue {
  readonly from: string;
  readonly value: number;
}

export interface ReportOrg {
  readonly id: string;
  readonly name: string;
  readonly level: string;
  readonly parentId: string | null;
}

export const INDICATORS = ['kgcePerM2', 'kgcePerPerson', 'waterM3PerPerson', 'co2eKgPerM2'] as const;
export type Indicator = (typeof INDICATORS)[number];

/** Annual indicator values of a baseline year (kgce/m²·a, kgce/person·a, m³/person·a, kgCO2e/m²·a). */
export interface Baseline {
  readonly year: number;
  readonly kgcePerM2?: number;
  readonly kgcePerPerson?: number;
  readonly waterM3PerPerson?: number;
  readonly co2eKgPerM2?: number;
}

/** An indicator's change against the baseline year, e.g. −5 (%) by 2025. */
export interface Target {
  readonly indicator: Indicator;
  readonly changePercent: number;
  readonly byYear: number;
}

/** A green certificate 绿证 or green-power contract 绿电交易, for market-based scope 2. */
export interface GreenInstrument {
  readonly id: string;
  readonly kind: 'green_certificate' | 'green_power_contract';
  readonly energyKwh: number;
  readonly vintageYear: number;
  readonly retired: boolean;
  readonly retiredOn?: string;
}

export interface ReportInstitution {
  readonly id: string;
  readonly name: string;
  readonly orgId: string;
  readonly type: string;
  readonly timeZone: string;
  /** The grid whose location-based emission factor applies (national, northwest, ningxia …). */
  readonly gridRegion?: string;
  readonly floorAreaM2: readonly DatedValue[];
  readonly occupants: readonly DatedValue[];
  readonly baseline?: Baseline;
  readonly targets?: readonly Target[];
  readonly greenInstruments?: readonly GreenInstrument[];
  /**
   * Which published variant of a carrier's factors applies, by carrier, e.g.
   * { natural_gas: 'gas-field' } (GB/T 2589 has a gas-field and an oil-field
   * coefficient; the lookup never picks one silently).
   */
  readonly factorVariants?: Readonly<Record<string, string>>;
}

export interface ReportMeter {
  readonly id: string;
  readonly name?: string;
  readonly institutionId: string;
  readonly carrier: string;
  readonly unit: string;
  readonly endUse?: string;
  readonly parentId?: string;
  /**
   * pv_generation meters only: the electricity meter the PV feeds in behind
   * (the meter then reads net import, its sub-meters read the loads, so the
   * supply they share is import + PV). Absent: the PV feeds loads that no
   * consumption meter sees.
   */
  readonly behindMeterId?: string;
}

/** One meter's figures for the period, from the consumption core (or the store's equivalent query). */
export interface MeterPeriodFigures {
  readonly meterId: string;
  /** Booked, in the meter's unit (register × multiplier). */
  readonly consumption: number;
  readonly estimatedAmount: number;
  readonly quarantinedAmount: number;
  readonly receivedReadings: number;
  readonly expectedReadings: number;
  /** Quarantined intervals awaiting review (not booked). */
  readonly reviews: number;
}

export interface ReportPeriod {
  /** '2026-10' or '2026'. */
  readonly label: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly timeZone: string;
}

export interface CarbonReportInput {
  /** An organisation unit or an institution id: both are nodes of the tree. */
  readonly orgId: string;
  readonly period: ReportPeriod;
  readonly basis: ElectricityBasis;
  readonly generatedAtMs: number;
  readonly dataCutoffMs: number;
  readonly orgs: readonly ReportOrg[];
  readonly institutions: readonly ReportInstitution[];
  readonly meters: readonly ReportMeter[];
  readonly current: ReadonlyMap<string, MeterPeriodFigures>;
  /** The same period one year earlier; absent: no year-on-year comparison (a reason says so). */
  readonly previousYear?: ReadonlyMap<string, MeterPeriodFigures>;
  readonly catalogue: FactorCatalogue;
  readonly methodologyVersion: string;
  /** The series of location-based grid factors; default `DEFAULT_GRID_FACTOR_SERIES` (MEE/NBS yearly averages). */
  readonly gridFactorSeries?: string;
}

// ---------------------------------------------------------------------------
// Output

/** A catalogue entry as printed on a report line: enough to find it and recompute. */
export interface FactorRef {
  readonly id: string;
  readonly kind: 'standard_coal' | 'emission' | 'density';
  readonly value: number;
  readonly unit: string;
  /** Publisher and document, one string (the CSV's 因子来源). */
  readonly source: string;
  readonly sourceUrl: string | null;
  /** The factor's own year (a yearly entry), or null for an undated coefficient. */
  readonly year: number | null;
  readonly validFrom: string | null;
  readonly validTo: string | null;
  readonly region: string | null;
  readonly series: string;
  readonly variant: string | null;
  /** Confidence marks (docs/methodology.md §15): P primary, S secondary, U unverified. */
  readonly confidence: 'P' | 'S' | 'U';
  /** Set when the entry of an earlier year applies under appliesUntilSuperseded. */
  readonly fallback: FactorFallback | null;
}

/**
 * location: scope 2 at the grid factor of where the electricity or heat is used;
 * market: scope 2 after contractual instruments; combustion: scope 1 fuels;
 * on-site renewable: PV consumed on site (zero emission); resource: water.
 */
export const LINE_METHODS = [
  'location',
  'market',
  'market (no instruments: equals location)',
  'combustion',
  'on-site renewable',
  'resource',
] as const;
export type LineMethod = (typeof LINE_METHODS)[number];

export interface InstrumentUse {
  readonly id: string;
  readonly kind: GreenInstrument['kind'];
  readonly institutionId: string;
  readonly vintageYear: number;
  readonly energyKwh: number;
  /** The part of the instrument that falls in the period (its time share of the vintage year). */
  readonly allocatedKwh: number;
  /** The part applied, after the cap at the institution's purchased kWh. */
  readonly appliedKwh: number;
}

export interface ReadingCounts {
  /** Σ over meters of min(received, expected): a meter's surplus never hides another meter's gap. */
  readonly received: number;
  readonly expected: number;
}

export interface ReportLine {
  readonly carrier: string;
  /** The 分项 code the line's root meters carry (01000, 02000, 03A00), or null. */
  readonly endUse: string | null;
  /** 1 fuels burnt on site, 2 purchased electricity and heat, null for water and PV. */
  readonly scope: 1 | 2 | null;
  readonly method: LineMethod;
  /** In `unit`: the carrier's base unit (kWh, m3, GJ, kg), or L for litre-metered fuels. */
  readonly consumption: number;
  readonly unit: string;
  /** L-metered fuels: the mass the factors were applied to (consumption × density). */
  readonly massKg: number | null;
  /** null for water (outside 综合能耗) and for the market line (its energy is in the location line). */
  readonly kgce: number | null;
  /** null for water (a resource); 0 for PV. */
  readonly co2eKg: number | null;
  /** The CO2 factor (for the market line: the location factor applied to the uncovered kWh). */
  readonly factor: FactorRef | null;
  /** The standard-coal coefficient. */
  readonly coalFactor: FactorRef | null;
  /** The density that turned litres into kg. */
  readonly densityFactor: FactorRef | null;
  /** received / expected readings of the line's meters, 0..1; null when none were expected. */
  readonly completeness: number | null;
  readonly readings: ReadingCounts;
  /** estimatedAmount / consumption, 0..1 (0 when nothing is booked). */
  readonly estimatedShare: number;
  readonly estimatedAmount: number;
  /** Quarantined for review, not booked, in `unit`. */
  readonly quarantinedAmount: number;
  readonly meterIds: readonly string[];
  /** Market line only: kWh covered by instruments (zero factor), and the instruments. */
  readonly coveredKwh: number | null;
  readonly instruments: readonly InstrumentUse[] | null;
}

export interface ReportTotals {
  /** 综合能耗: every line's kgce (grid electricity, PV self-consumed, fuels, heat); never water. */
  readonly kgce: number;
  readonly tce: number;
  /** scope1Kg + scope2LocationKg. */
  readonly co2eKg: number;
  readonly scope1Kg: number;
  readonly scope2LocationKg: number;
  /** Electricity market-based plus heat (no instruments exist for heat: market = location). */
  readonly scope2MarketKg: number;
}

/** Time-weighted over the period; null when some institution has no value for part of the period. */
export interface Denominators {
  readonly floorAreaM2: number | null;
  readonly occupants: number | null;
}

export interface ReportIntensity {
  readonly kgcePerM2: number | null;
  readonly kgcePerPerson: number | null;
  readonly waterM3PerPerson: number | null;
  readonly co2eKgPerM2: number | null;
}

/**
 * item: a 分项 item (01A00 … 01D00), sub-items included; sub-item: within an item
 * (01A10 …); unclassified: metered by a meter without an item code; unmetered:
 * what a parent meter (plus PV behind it) supplies beyond its children.
 * item + unclassified + unmetered rows partition the carrier's total.
 */
export type EndUseKind = 'item' | 'sub-item' | 'unclassified' | 'unmetered';

export interface EndUseRow {
  readonly carrier: string;
  readonly endUse: string | null;
  readonly label: string;
  readonly kind: EndUseKind;
  readonly consumption: number;
  readonly unit: string;
}

export interface SubMeteringBalance {
  readonly meterId: string;
  readonly name: string | null;
  readonly institutionId: string;
  readonly carrier: string;
  readonly unit: string;
  readonly parentConsumption: number;
  /** PV generation feeding in behind this meter (kWh), 0 if none. */
  readonly pvBehind: number;
  readonly childMeterIds: readonly string[];
  readonly childrenConsumption: number;
  /** The virtual meter 'unmetered' = parent + PV behind − Σ children (losses and unmetered loads). */
  readonly unmetered: number;
  /** unmetered / (parent + PV behind) × 100; null when the parent supplied nothing. */
  readonly imbalancePercent: number | null;
}

/** Percent changes (current − reference) / reference × 100; null where the reference is 0 or unknown. */
export interface ChangePercents {
  readonly kgce: number | null;
  readonly co2eKg: number | null;
  readonly scope1Kg: number | null;
  readonly scope2LocationKg: number | null;
  readonly scope2MarketKg: number | null;
  readonly waterM3: number | null;
  readonly kgcePerM2: number | null;
  readonly kgcePerPerson: number | null;
  readonly waterM3PerPerson: number | null;
  readonly co2eKgPerM2: number | null;
}

export interface PreviousYearComparison {
  readonly period: string;
  readonly totals: ReportTotals;
  readonly waterM3: number;
  readonly denominators: Denominators;
  readonly intensity: ReportIntensity;
  readonly changePercent: ChangePercents;
  /** Root meters with current figures but none a year earlier (counted as 0 there). */
  readonly missingMeterIds: readonly string[];
}

export interface BaselineIndicator {
  readonly indicator: Indicator;
  readonly baseline: number;
  readonly current: number | null;
  readonly changePercent: number | null;
}

export interface BaselineComparison {
  readonly year: number;
  readonly indicators: readonly BaselineIndicator[];
}

/**
 * Why a comparison is not given: the report names the reason (code and words),
 * it never shows zeros for figures it does not have.
 * - not_supplied: the caller gave no figures for the same period last year;
 * - no_same_period: the period has no same period a year earlier;
 * - last_year_failed: last year's report could not be computed (a factor error);
 * - no_readings_last_year / no_readings_this_period: no meter of the node sent a reading then;
 * - annual_only: baselines and targets are annual indicators, compared in annual reports only;
 * - no_baseline / baseline_years_differ / no_institutions: no common baseline for the node;
 * - no_indicator: the baseline or the period lacks the target's indicator.
 */
export const COMPARISON_GAPS = [
  'not_supplied',
  'no_same_period',
  'last_year_failed',
  'no_readings_last_year',
  'no_readings_this_period',
  'annual_only',
  'no_baseline',
  'baseline_years_differ',
  'no_institutions',
  'no_indicator',
] as const;
export type ComparisonGap = (typeof COMPARISON_GAPS)[number];

export interface TargetStatus {
  readonly indicator: Indicator;
  /** The target: change against the baseline year, in %, reached by `byYear`. */
  readonly changePercent: number;
  readonly byYear: number;
  readonly baselineYear: number;
  /** Linear from 0 in the baseline year to `changePercent` in `byYear`, then constant. */
  readonly requiredChangePercent: number;
  readonly achievedChangePercent: number | null;
  readonly onTrack: boolean | null;
  readonly reason: string | null;
  readonly reasonCode: ComparisonGap | null;
}

export interface Comparisons {
  readonly previousYear: PreviousYearComparison | null;
  readonly previousYearReason: string | null;
  readonly previousYearReasonCode: ComparisonGap | null;
  readonly baseline: BaselineComparison | null;
  readonly baselineReason: string | null;
  readonly baselineReasonCode: ComparisonGap | null;
  readonly targets: readonly TargetStatus[];
}

export interface ReportNode {
  readonly id: string;
  readonly name: string;
  /** region, city, county … for organisation units; 'institution' for an institution. */
  readonly level: string;
  readonly kind: 'org' | 'institution';
  /** Institutions only: government_office, school, hospital … */
  readonly type: string | null;
}

/** The figures of one node of the tree (an institution, or an org unit: the sum of its children). */
export interface CarbonSummary {
  readonly org: ReportNode;
  readonly institutionCount: number;
  readonly lines: readonly ReportLine[];
  readonly totals: ReportTotals;
  readonly waterM3: number;
  readonly denominators: Denominators;
  readonly intensity: ReportIntensity;
  /** Over the root meters of every line, for the whole period (a month in progress shows as partial). */
  readonly completeness: number | null;
  /**
   * The same readings against those expected from the period's start to the
   * report's generation (capped at 1): for the month in progress, how complete
   * the data are so far. Equals `completeness` once the period has ended; null
   * when no reading was expected yet.
   */
  readonly completenessToDate: number | null;
  readonly readings: ReadingCounts;
  readonly endUses: readonly EndUseRow[];
  /** Quarantined intervals (all meters) awaiting review: not booked anywhere in the report. */
  readonly reviews: number;
  readonly comparisons: Comparisons;
}

export interface CarbonReport extends CarbonSummary {
  readonly period: { readonly label: string; readonly from: string; readonly to: string };
  readonly timezone: string;
  readonly basis: ElectricityBasis;
  /** 当量值 or 等价值, printed on the report. */
  readonly basisLabel: string;
  readonly generatedAt: string;
  /** The period had not ended when the report was generated: its figures are to date. */
  readonly inProgress: boolean;
  readonly dataCutoff: string;
  readonly methodologyVersion: string;
  readonly factorCatalogueVersion: string;
  readonly subMetering: readonly SubMeteringBalance[];
  /** One level: each child's summary, without grandchildren (ask for the child's report to go deeper). */
  readonly children: readonly CarbonSummary[];
  /** Fallbacks used, allocations and assumptions, in words. */
  readonly notes: readonly string[];
  /**
   * Virtual meters (defined by expression in the fleet) of the node's
   * institutions, evaluated over the period: listed, never added to a line or a
   * total (their energy is in the real meters they are computed from). Set by
   * the use case (accounting/carbon-report-query.ts, [] when none is defined);
   * absent in a report built by buildCarbonReport alone.
   */
  readonly virtualMeters?: readonly VirtualMeterRow[];
}

export type CarbonReportErrorCode = 'ORG_NOT_FOUND' | 'FACTOR_MISSING' | 'FACTOR_AMBIGUOUS' | 'FACTOR_UNIT_MISMATCH';

export type CarbonReportResult =
  | { readonly ok: CarbonReport }
  | { readonly error: { readonly code: CarbonReportErrorCode; readonly message: string } };
