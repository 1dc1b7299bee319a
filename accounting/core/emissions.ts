import { CARRIERS, baseUnitOf, toBaseUnit, type Carrier, type Unit } from '../../src/kernel/index.js';
import type { ElectricityBasis, FactorCatalogue, FactorQuery } from './factor-lookup.js';
import { carriesVariant, lookupFactor, multiply, type Checked } from './report-factor.js';
import type {
  FactorRef,
  GreenInstrument,
  InstrumentUse,
  LineMethod,
  MeterPeriodFigures,
  ReadingCounts,
  ReportInstitution,
  ReportLine,
  ReportMeter,
} from './carbon-report-types.js';

/**
 * One institution's report lines for one period: standard coal (综合能耗) and CO2
 * by scope, from the institution's ROOT meters only (a meter without a parent):
 * sub-meters measure parts of what their root measures and give the 分项
 * breakdown (sub-metering.ts), never a second count.
 *
 * Rules (docs/methodology.md §9–§11):
 * - electricity: standard coal at the report's basis (当量值 / 等价值); scope 2
 *   location-based at the institution's grid region factor of the period's year
 *   (an earlier year only where the catalogue entry applies until superseded,
 *   printed as a note); and a market-based line (instruments below).
 * - natural gas, diesel, gasoline, LPG, coal: scope 1 (burnt on site).
 * - district heat: scope 2 (purchased), market = location (no heat instruments exist).
 * - water: a resource in m3, outside 综合能耗: no coal and no CO2 factor.
 * - litres of diesel or gasoline: the catalogue's density turns them into kg
 *   first; the line prints the density entry and the mass.
 * - on-site PV (pv_generation meters): the grid meters read the NET import
 *   behind which the PV sits, so total electricity use = grid import + PV
 *   consumed on site. The PV line is a zero-emission line (never a negative
 *   emission) whose kWh count in 综合能耗 at the electricity coefficient of the
 *   report's basis: under 当量值 a kWh used is 0.1229 kgce whatever produced it
 *   (GB/T 2589 counts the energy consumed; renewable energy produced and used on
 *   site is part of it). No export meter exists in the fleet model, so all
 *   generation counts as consumed on site (a note says so); exported PV would
 *   not be subtracted from anything.
 * - market-based scope 2: an instrument counts only if retired and of the
 *   period's year vintage. It covers its time share of the vintage year
 *   (a whole year for an annual report, 31/365 for October), capped at the
 *   institution's purchased kWh; covered kWh take a zero factor, the rest the
 *   location factor. With no instrument, market = location (the method says so).
 */

export const DEFAULT_GRID_FACTOR_SERIES = 'mee-grid-average';

export interface PeriodContext {
  readonly label: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly timeZone: string;
  /** The year whose factors apply. */
  readonly year: number;
  /** (toMs − fromMs) / length of `year`: the share of an annual instrument that falls in the period. */
  readonly shareOfYear: number;
}

export interface LineContext {
  readonly catalogue: FactorCatalogue;
  readonly basis: ElectricityBasis;
  readonly gridFactorSeries: string;
  readonly period: PeriodContext;
  readonly figures: ReadonlyMap<string, MeterPeriodFigures>;
}

export interface InstitutionLines {
  readonly lines: readonly ReportLine[];
  readonly notes: readonly string[];
  /** Meters (of the institution) with no figures in the map: counted as 0 with no readings expected. */
  readonly missingMeterIds: readonly string[];
}

type CarrierRule = {
  readonly scope: 1 | 2 | null;
  readonly method: LineMethod;
  readonly coal: boolean;
  readonly emission: boolean;
};

const RULES: Readonly<Record<Carrier, CarrierRule>> = {
  electricity: { scope: 2, method: 'location', coal: true, emission: true },
  district_heat: { scope: 2, method: 'location', coal: true, emission: true },
  natural_gas: { scope: 1, method: 'combustion', coal: true, emission: true },
  diesel: { scope: 1, method: 'combustion', coal: true, emission: true },
  gasoline: { scope: 1, method: 'combustion', coal: true, emission: true },
  lpg: { scope: 1, method: 'combustion', coal: true, emission: true },
  coal: { scope: 1, method: 'combustion', coal: true, emission: true },
  water: { scope: null, method: 'resource', coal: false, emission: false },
  pv_generation: { scope: null, method: 'on-site renewable', coal: true, emission: false },
};

export const isCarrier = (carrier: string): carrier is Carrier => (CARRIERS as readonly string[]).includes(carrier);

/** A quantity in the carrier's base unit where the conversion is exact (MWh → kWh, t → kg, MJ → GJ); litres stay litres. */
export function canonical(
  carrier: Carrier,
  unit: string,
  amount: number,
): { readonly value: number; readonly unit: string } {
  const base = toBaseUnit(carrier, unit as Unit, amount);
  if (base === undefined) return { value: amount, unit };
  return { value: base, unit: baseUnitOf(carrier) };
}

const ZERO_FIGURES = (meterId: string): MeterPeriodFigures => ({
  meterId,
  consumption: 0,
  estimatedAmount: 0,
  quarantinedAmount: 0,
  receivedReadings: 0,
  expectedReadings: 0,
  reviews: 0,
});

interface Group {
  readonly carrier: Carrier;
  readonly unit: string;
  consumption: number;
  estimatedAmount: number;
  quarantinedAmount: number;
  received: number;
  expected: number;
  readonly meterIds: string[];
  readonly endUses: Set<string | null>;
}

export const completenessOf = (readings: ReadingCounts): number | null =>
  readings.expected > 0 ? readings.received / readings.expected : null;

function groupRoots(
  meters: readonly ReportMeter[],
  figures: ReadonlyMap<string, MeterPeriodFigures>,
  missing: string[],
): Checked<Group[]> {
  const groups = new Map<string, Group>();
  for (const meter of meters) {
    if (!isCarrier(meter.carrier)) {
      return {
        error: {
          code: 'FACTOR_MISSING',
          message: `meter ${meter.id}: carrier '${meter.carrier}' has no accounting rule (known: ${CARRIERS.join(', ')})`,
        },
      };
    }
    const f = figures.get(meter.id) ?? (missing.push(meter.id), ZERO_FIGURES(meter.id));
    const amount = canonical(meter.carrier, meter.unit, f.consumption);
    const key = `${meter.carrier}|${amount.unit}`;
    const group = groups.get(key) ?? {
      carrier: meter.carrier,
      unit: amount.unit,
      consumption: 0,
      estimatedAmount: 0,
      quarantinedAmount: 0,
      received: 0,
      expected: 0,
      meterIds: [],
      endUses: new Set(),
    };
    groups.set(key, group);
    group.consumption += amount.value;
    group.estimatedAmount += canonical(meter.carrier, meter.unit, f.estimatedAmount).value;
    group.quarantinedAmount += canonical(meter.carrier, meter.unit, f.quarantinedAmount).value;
    group.received += Math.min(f.receivedReadings, f.expectedReadings);
    group.expected += f.expectedReadings;
    group.meterIds.push(meter.id);
    group.endUses.add(meter.endUse ?? null);
  }
  return { ok: [...groups.values()] };
}

function baseLine(group: Group, rule: CarrierRule): ReportLine {
  const readings = { received: group.received, expected: group.expected };
  const endUses = [...group.endUses];
  return {
    carrier: group.carrier,
    endUse: endUses.length === 1 ? (endUses[0] ?? null) : null,
    scope: rule.scope,
    method: rule.method,
    consumption: group.consumption,
    unit: group.unit,
    massKg: null,
    kgce: null,
    co2eKg: null,
    factor: null,
    coalFactor: null,
    densityFactor: null,
    completeness: completenessOf(readings),
    readings,
    estimatedShare: group.consumption > 0 ? group.estimatedAmount / group.consumption : 0,
    estimatedAmount: group.estimatedAmount,
    quarantinedAmount: group.quarantinedAmount,
    meterIds: group.meterIds,
    coveredKwh: null,
    instruments: null,
  };
}

interface Lookup {
  (kind: FactorQuery['kind'], carrier: Carrier): Checked<FactorRef>;
}

function lookupFor(institution: ReportInstitution, ctx: LineContext): Lookup {
  const year = ctx.period.year;
  return (kind, carrier) => {
    const factorCarrier = carrier === 'pv_generation' ? 'electricity' : carrier;
    const variant = institution.factorVariants?.[factorCarrier];
    const query: FactorQuery = {
      kind,
      carrier: factorCarrier,
      year,
      ...(kind === 'standard_coal' && factorCarrier === 'electricity' ? { basis: ctx.basis } : {}),
      ...(kind === 'emission' && factorCarrier === 'electricity' ? { series: ctx.gridFactorSeries } : {}),
      ...(institution.gridRegion !== undefined ? { region: institution.gridRegion } : {}),
      ...(variant !== undefined && carriesVariant(ctx.catalogue, kind, factorCarrier) ? { variant } : {}),
    };
    if (kind === 'emission' && factorCarrier === 'electricity' && institution.gridRegion === undefined) {
      return {
        error: {
          code: 'FACTOR_MISSING',
          message: `institution ${institution.id} has no gridRegion: no location-based emission factor for electricity, year ${year}, series ${ctx.gridFactorSeries} can be chosen`,
        },
      };
    }
    return lookupFactor(ctx.catalogue, institution.id, query);
  };
}

/** Standard coal and CO2 of one group, through the density where the fuel is metered in litres. */
function withFactors(line: ReportLine, rule: CarrierRule, lookup: Lookup, institutionId: string): Checked<ReportLine> {
  const carrier = line.carrier as Carrier;
  let quantity = line.consumption;
  let unit = line.unit;
  let densityFactor: FactorRef | null = null;
  let massKg: number | null = null;
  const what = `institution ${institutionId}, ${carrier} (${line.meterIds.join(', ')})`;
  if (unit === 'L') {
    const density = lookup('density', carrier);
    if ('error' in density)
      return {
        error: {
          ...density.error,
          message: `${density.error.message}; ${carrier} metered in litres needs a density to become kg`,
        },
      };
    const mass = multiply(quantity, 'L', density.ok, 'kg', what);
    if ('error' in mass) return mass;
    densityFactor = density.ok;
    massKg = mass.ok;
    quantity = mass.ok;
    unit = 'kg';
  }
  let kgce: number | null = null;
  let coalFactor: FactorRef | null = null;
  if (rule.coal) {
    const coal = lookup('standard_coal', carrier);
    if ('error' in coal) return coal;
    const value = multiply(quantity, unit, coal.ok, 'kgce', what);
    if ('error' in value) return value;
    [kgce, coalFactor] = [value.ok, coal.ok];
  }
  // PV is a zero-emission line; water has no CO2 line at all (null, not 0).
  let co2eKg: number | null = carrier === 'pv_generation' ? 0 : null;
  let factor: FactorRef | null = null;
  if (rule.emission) {
    const emission = lookup('emission', carrier);
    if ('error' in emission) return emission;
    const value = multiply(quantity, unit, emission.ok, 'kgCO2', what);
    if ('error' in value) return value;
    [co2eKg, factor] = [value.ok, emission.ok];
  }
  return { ok: { ...line, massKg, kgce, co2eKg, factor, coalFactor, densityFactor } };
}

const KIND_LABEL: Record<GreenInstrument['kind'], string> = {
  green_certificate: 'green certificate 绿证',
  green_power_contract: 'green-power contract 绿电交易',
};

function marketLine(
  location: ReportLine,
  institution: ReportInstitution,
  ctx: LineContext,
  notes: string[],
): Checked<ReportLine> {
  const { year, shareOfYear, label } = ctx.period;
  const eligible: GreenInstrument[] = [];
  for (const instrument of institution.greenInstruments ?? []) {
    const name = `${KIND_LABEL[instrument.kind]} ${instrument.id} (institution ${institution.id}, vintage ${instrument.vintageYear})`;
    if (!instrument.retired) notes.push(`${name} is not retired: not counted in market-based scope 2`);
    else if (instrument.vintageYear !== year)
      notes.push(`${name} is not of the ${year} vintage: not counted for ${label}`);
    else eligible.push(instrument);
  }
  const factor = location.factor as FactorRef;
  const purchasedKwh = location.consumption;
  let remainingKwh = purchasedKwh;
  const instruments: InstrumentUse[] = eligible.map((instrument) => {
    const allocatedKwh = instrument.energyKwh * shareOfYear;
    const appliedKwh = Math.min(allocatedKwh, remainingKwh);
    remainingKwh -= appliedKwh;
    if (shareOfYear !== 1) {
      notes.push(
        `${KIND_LABEL[instrument.kind]} ${instrument.id}: ${instrument.energyKwh} kWh for ${year}, its time share ${shareOfYear} of the year (${allocatedKwh} kWh) allocated to ${label}`,
      );
    }
    if (appliedKwh < allocatedKwh)
      notes.push(
        `${KIND_LABEL[instrument.kind]} ${instrument.id}: capped at the purchased electricity, ${allocatedKwh - appliedKwh} kWh of its allocation not used in ${label}`,
      );
    return {
      id: instrument.id,
      kind: instrument.kind,
      institutionId: institution.id,
      vintageYear: instrument.vintageYear,
      energyKwh: instrument.energyKwh,
      allocatedKwh,
      appliedKwh,
    };
  });
  const coveredKwh = instruments.reduce((sum, i) => sum + i.appliedKwh, 0);
  const base = { ...location, method: 'market' as LineMethod, kgce: null, coalFactor: null, coveredKwh, instruments };
  if (eligible.length === 0)
    return { ok: { ...base, method: 'market (no instruments: equals location)', co2eKg: location.co2eKg } };
  const uncovered = multiply(
    purchasedKwh - coveredKwh,
    location.unit,
    factor,
    'kgCO2',
    `institution ${institution.id}, electricity market-based`,
  );
  if ('error' in uncovered) return uncovered;
  return { ok: { ...base, co2eKg: uncovered.ok } };
}

/** One note per factor entry (institutions sharing a grid region share the note). */
function fallbackNotes(line: ReportLine, notes: string[]) {
  for (const f of [line.coalFactor, line.factor, line.densityFactor]) {
    if (f?.fallback)
      notes.push(
        `factor ${f.id} (${f.fallback.usedYear}) used for ${f.fallback.requestedYear} (${line.carrier}): ${f.fallback.reason}`,
      );
  }
}

/** Report order: electricity (location, then market), PV, heat, fuels, water; stable within. */
const CARRIER_ORDER: readonly string[] = [
  'electricity',
  'pv_generation',
  'district_heat',
  'natural_gas',
  'diesel',
  'gasoline',
  'lpg',
  'coal',
  'water',
];
const METHOD_ORDER: readonly string[] = [
  'location',
  'market',
  'market (no instruments: equals location)',
  'combustion',
  'on-site renewable',
  'resource',
];
const orderOf = (list: readonly string[], value: string) => (list.includes(value) ? list.indexOf(value) : list.length);

export function sortLines(lines: readonly ReportLine[]): ReportLine[] {
  return [...lines].sort(
    (a, b) =>
      orderOf(CARRIER_ORDER, a.carrier) - orderOf(CARRIER_ORDER, b.carrier) ||
      orderOf(METHOD_ORDER, a.method) - orderOf(METHOD_ORDER, b.method),
  );
}

/** The lines of one institution: one per carrier and unit of its root meters, plus the electricity market line and the PV line. */
export function institutionLines(
  institution: ReportInstitution,
  meters: readonly ReportMeter[],
  ctx: LineContext,
): Checked<InstitutionLines> {
  const notes: string[] = [];
  const missing: string[] = [];
  const own = meters.filter((m) => m.institutionId === institution.id);
  const roots = own.filter((m) => m.parentId === undefined && m.carrier !== 'pv_generation');
  const pv = own.filter((m) => m.carrier === 'pv_generation');
  const grouped = groupRoots([...roots, ...pv], ctx.figures, missing);
  if ('error' in grouped) return grouped;
  const lookup = lookupFor(institution, ctx);
  const lines: ReportLine[] = [];
  for (const group of grouped.ok) {
    const rule = RULES[group.carrier];
    const line = withFactors(baseLine(group, rule), rule, lookup, institution.id);
    if ('error' in line) return line;
    lines.push(line.ok);
    fallbackNotes(line.ok, notes);
    if (group.carrier === 'electricity') {
      const market = marketLine(line.ok, institution, ctx, notes);
      if ('error' in market) return market;
      lines.push(market.ok);
    }
    if (group.carrier === 'pv_generation') {
      notes.push(
        `institution ${institution.id}: no PV export is metered, so all ${group.consumption} kWh generated count as consumed on site (zero emission, in 综合能耗 at the electricity coefficient)`,
      );
    }
  }
  if (missing.length > 0)
    notes.push(
      `institution ${institution.id}: no figures for meters ${missing.join(', ')} in ${ctx.period.label}: counted as 0, no readings expected`,
    );
  return { ok: { lines: sortLines(lines), notes, missingMeterIds: missing } };
}
