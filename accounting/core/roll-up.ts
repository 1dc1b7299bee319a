import { convertQuantity } from './apply-factor.js';
import { periodRange } from '../../src/kernel/index.js';
import { completenessOf, sortLines } from './emissions.js';
import { sortEndUses } from './sub-metering.js';
import type {
  DatedValue,
  Denominators,
  EndUseRow,
  InstrumentUse,
  ReadingCounts,
  ReportIntensity,
  ReportLine,
  ReportTotals,
} from './carbon-report-types.js';

/**
 * Roll-ups: a parent's figures are the sums of its children's (institution →
 * county → city → region), and its intensities come from the summed numerators
 * over the summed denominators, never from averaging children's intensities.
 * Totals fold over the children in order, so a parent's kgce is exactly
 * Σ children's kgce as the report prints them.
 */

/** The additive figures of a node: what sums up the tree. */
export interface Figures {
  readonly institutionCount: number;
  readonly lines: readonly ReportLine[];
  readonly totals: ReportTotals;
  readonly waterM3: number;
  readonly denominators: Denominators;
  readonly readings: ReadingCounts;
  readonly endUses: readonly EndUseRow[];
  readonly reviews: number;
}

export const EMPTY_FIGURES: Figures = {
  institutionCount: 0,
  lines: [],
  totals: { kgce: 0, tce: 0, co2eKg: 0, scope1Kg: 0, scope2LocationKg: 0, scope2MarketKg: 0 },
  waterM3: 0,
  // An empty unit adds nothing to its parent's floor area or headcount.
  denominators: { floorAreaM2: 0, occupants: 0 },
  readings: { received: 0, expected: 0 },
  endUses: [],
  reviews: 0,
};

export const kgceToTce = (kgce: number): number => convertQuantity(kgce, 'kgce', 'tce') as number;

/**
 * periodRange(date, zone).fromMs, memoised: the same few effective dates recur
 * for every institution, and the time-zone arithmetic was a third of the
 * engine's time at 10 000 meters. Bounded: cleared when it grows large.
 */
const startCache = new Map<string, number | undefined>();
const START_CACHE_LIMIT = 10_000;
function localStartMs(date: string, timeZone: string): number | undefined {
  const key = `${timeZone}|${date}`;
  if (startCache.has(key)) return startCache.get(key);
  const startMs = periodRange(date, timeZone)?.fromMs;
  if (startCache.size >= START_CACHE_LIMIT) startCache.clear();
  startCache.set(key, startMs);
  return startMs;
}

/**
 * The value of a dated series over [fromMs, toMs), weighted by time: a floor
 * area that grows on 1 July counts half a year at each value in an annual
 * report, and the month's value in a monthly one. Dates are local dates in the
 * institution's zone. null when part of the period has no value (before the
 * first entry): the denominator is unknown, so is the intensity.
 */
export function timeWeightedValue(
  series: readonly DatedValue[],
  fromMs: number,
  toMs: number,
  timeZone: string,
): number | null {
  if (!(toMs > fromMs)) return null;
  const starts = series
    .map((entry) => ({ value: entry.value, startMs: localStartMs(entry.from, timeZone) }))
    .sort((a, b) => (a.startMs ?? 0) - (b.startMs ?? 0));
  if (starts.some((s) => s.startMs === undefined)) return null;
  let weighted = 0;
  let coveredMs = 0;
  starts.forEach((s, i) => {
    const start = Math.max(fromMs, s.startMs as number);
    const end = Math.min(toMs, starts[i + 1]?.startMs ?? Number.POSITIVE_INFINITY);
    if (end > start) {
      weighted += s.value * (end - start);
      coveredMs += end - start;
    }
  });
  return coveredMs === toMs - fromMs ? weighted / (toMs - fromMs) : null;
}

const ratio = (numerator: number, denominator: number | null): number | null =>
  denominator === null || denominator === 0 ? null : numerator / denominator;

export function intensityOf(totals: ReportTotals, waterM3: number, denominators: Denominators): ReportIntensity {
  return {
    kgcePerM2: ratio(totals.kgce, denominators.floorAreaM2),
    kgcePerPerson: ratio(totals.kgce, denominators.occupants),
    waterM3PerPerson: ratio(waterM3, denominators.occupants),
    co2eKgPerM2: ratio(totals.co2eKg, denominators.floorAreaM2),
  };
}

/** Totals of one institution from its lines (a market line replaces its carrier's location line in scope2MarketKg). */
export function totalsOfLines(lines: readonly ReportLine[]): ReportTotals {
  const sum = (pick: (l: ReportLine) => number | null, keep: (l: ReportLine) => boolean) =>
    lines.filter(keep).reduce((s, l) => s + (pick(l) ?? 0), 0);
  const marketCarriers = new Set(lines.filter((l) => l.method.startsWith('market')).map((l) => l.carrier));
  const kgce = sum(
    (l) => l.kgce,
    () => true,
  );
  const scope1Kg = sum(
    (l) => l.co2eKg,
    (l) => l.scope === 1,
  );
  const scope2LocationKg = sum(
    (l) => l.co2eKg,
    (l) => l.scope === 2 && l.method === 'location',
  );
  const scope2MarketKg = sum(
    (l) => l.co2eKg,
    (l) => l.scope === 2 && (l.method.startsWith('market') || !marketCarriers.has(l.carrier)),
  );
  return {
    kgce,
    tce: kgceToTce(kgce),
    co2eKg: scope1Kg + scope2LocationKg,
    scope1Kg,
    scope2LocationKg,
    scope2MarketKg,
  };
}

/** Lines with the same carrier, unit, scope, method, end-use and factor entries are one line at a parent: the amounts add, the factors are the same. */
const lineKey = (l: ReportLine) =>
  [l.carrier, l.unit, l.scope, l.method, l.endUse, l.coalFactor?.id, l.factor?.id, l.densityFactor?.id].join('|');

const plusNullable = (a: number | null, b: number | null): number | null =>
  a === null && b === null ? null : (a ?? 0) + (b ?? 0);

interface MergedLine {
  readonly first: ReportLine;
  count: number;
  consumption: number;
  massKg: number | null;
  kgce: number | null;
  co2eKg: number | null;
  received: number;
  expected: number;
  estimatedAmount: number;
  quarantinedAmount: number;
  readonly meterIds: string[];
  coveredKwh: number | null;
  instruments: InstrumentUse[] | null;
}

const append = <T>(target: T[], items: readonly T[]) => {
  for (const item of items) target.push(item);
};

/**
 * Lines with the same key become one, their amounts added in input order (the
 * same fold, so the same sums, as adding them pairwise); accumulated in place,
 * so merging a region's lines costs one pass, not one copy per child.
 */
export function mergeLines(lines: readonly ReportLine[]): ReportLine[] {
  const merged = new Map<string, MergedLine>();
  for (const line of lines) {
    const key = lineKey(line);
    const m = merged.get(key);
    if (m === undefined) {
      merged.set(key, {
        first: line,
        count: 1,
        consumption: line.consumption,
        massKg: line.massKg,
        kgce: line.kgce,
        co2eKg: line.co2eKg,
        received: line.readings.received,
        expected: line.readings.expected,
        estimatedAmount: line.estimatedAmount,
        quarantinedAmount: line.quarantinedAmount,
        meterIds: [...line.meterIds],
        coveredKwh: line.coveredKwh,
        instruments: line.instruments === null ? null : [...line.instruments],
      });
      continue;
    }
    m.count += 1;
    m.consumption += line.consumption;
    m.estimatedAmount += line.estimatedAmount;
    m.received += line.readings.received;
    m.expected += line.readings.expected;
    m.massKg = plusNullable(m.massKg, line.massKg);
    m.kgce = plusNullable(m.kgce, line.kgce);
    m.co2eKg = plusNullable(m.co2eKg, line.co2eKg);
    m.quarantinedAmount += line.quarantinedAmount;
    append(m.meterIds, line.meterIds);
    m.coveredKwh = plusNullable(m.coveredKwh, line.coveredKwh);
    if (line.instruments !== null) append((m.instruments ??= []), line.instruments);
  }
  const out: ReportLine[] = [];
  for (const m of merged.values()) {
    if (m.count === 1) {
      out.push(m.first);
      continue;
    }
    const readings = { received: m.received, expected: m.expected };
    out.push({
      ...m.first,
      consumption: m.consumption,
      massKg: m.massKg,
      kgce: m.kgce,
      co2eKg: m.co2eKg,
      readings,
      completeness: completenessOf(readings),
      estimatedAmount: m.estimatedAmount,
      estimatedShare: m.consumption > 0 ? m.estimatedAmount / m.consumption : 0,
      quarantinedAmount: m.quarantinedAmount,
      meterIds: m.meterIds,
      coveredKwh: m.coveredKwh,
      instruments: m.instruments,
    });
  }
  return sortLines(out);
}

function mergeEndUses(rows: readonly EndUseRow[]): EndUseRow[] {
  const merged = new Map<string, EndUseRow>();
  for (const row of rows) {
    const key = `${row.carrier}|${row.kind}|${row.endUse ?? ''}|${row.unit}`;
    const before = merged.get(key);
    merged.set(key, before === undefined ? row : { ...before, consumption: before.consumption + row.consumption });
  }
  return sortEndUses([...merged.values()], [...new Set(rows.map((r) => r.carrier))]);
}

const addNullable = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a + b);

/** A parent's figures: Σ children (empty list: an empty unit, all zeros). */
export function sumFigures(children: readonly Figures[]): Figures {
  // Lines and end uses are merged once over all children, in child order: the
  // same sums and order as merging child by child, without re-merging and
  // re-sorting the accumulated lines at every child.
  const lines = mergeLines(children.flatMap((c) => c.lines));
  const endUses = mergeEndUses(children.flatMap((c) => c.endUses));
  const summed = children.reduce<Figures>((acc, child) => {
    const kgce = acc.totals.kgce + child.totals.kgce;
    return {
      institutionCount: acc.institutionCount + child.institutionCount,
      lines: acc.lines,
      totals: {
        kgce,
        tce: kgceToTce(kgce),
        co2eKg: acc.totals.co2eKg + child.totals.co2eKg,
        scope1Kg: acc.totals.scope1Kg + child.totals.scope1Kg,
        scope2LocationKg: acc.totals.scope2LocationKg + child.totals.scope2LocationKg,
        scope2MarketKg: acc.totals.scope2MarketKg + child.totals.scope2MarketKg,
      },
      waterM3: acc.waterM3 + child.waterM3,
      denominators: {
        floorAreaM2: addNullable(acc.denominators.floorAreaM2, child.denominators.floorAreaM2),
        occupants: addNullable(acc.denominators.occupants, child.denominators.occupants),
      },
      readings: {
        received: acc.readings.received + child.readings.received,
        expected: acc.readings.expected + child.readings.expected,
      },
      endUses: acc.endUses,
      reviews: acc.reviews + child.reviews,
    };
  }, EMPTY_FIGURES);
  return { ...summed, lines, endUses };
}
