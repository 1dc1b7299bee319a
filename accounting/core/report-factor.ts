import { UNITS, type Unit } from '../../src/kernel/index.js';
import { applyFactor, convertQuantity } from './apply-factor.js';
import {
  selectFactor,
  type FactorCatalogue,
  type FactorEntry,
  type FactorFallback,
  type FactorQuery,
} from './factor-lookup.js';
import type { CarbonReportErrorCode, FactorRef } from './carbon-report-types.js';

/**
 * The report's one way to look a factor up and apply it: selectFactor and
 * applyFactor (never duplicated), with errors that name the institution, carrier,
 * region, year and basis, and the entry turned into the FactorRef a line prints.
 */

export interface ReportError {
  readonly code: CarbonReportErrorCode;
  readonly message: string;
}

export type Checked<T> = { readonly ok: T } | { readonly error: ReportError };

export function factorRef(entry: FactorEntry, fallback: FactorFallback | undefined): FactorRef {
  const { source } = entry;
  return {
    id: entry.id,
    kind: entry.kind,
    value: entry.value,
    unit: entry.unit,
    source: [source.publisher, source.document, source.year === undefined ? undefined : String(source.year)]
      .filter((s) => s !== undefined)
      .join(', '),
    sourceUrl: source.url ?? null,
    year: entry.year ?? null,
    validFrom: entry.validFrom ?? null,
    validTo: entry.validTo ?? null,
    region: entry.region ?? null,
    series: entry.series,
    variant: entry.variant ?? null,
    confidence: entry.confidence,
    fallback: fallback ?? null,
  };
}

/** What a lookup is for, printed in an error: "institution h1, electricity, region northwest, year 2026, basis equivalent". */
export function lookupContext(institutionId: string, query: FactorQuery): string {
  const parts = [`institution ${institutionId}`, `${query.kind} factor for ${query.carrier}`];
  parts.push(`region ${query.region ?? '(none given)'}`);
  if (query.year !== undefined) parts.push(`year ${query.year}`);
  if (query.basis !== undefined) parts.push(`basis ${query.basis}`);
  if (query.variant !== undefined) parts.push(`variant ${query.variant}`);
  if (query.series !== undefined) parts.push(`series ${query.series}`);
  return parts.join(', ');
}

/**
 * A variant is passed only where the catalogue distinguishes variants for that
 * kind and carrier: GB/T 2589 has gas-field and oil-field coal coefficients for
 * natural gas, the NDRC CO2 factor for gas has one value for both.
 */
export function carriesVariant(catalogue: FactorCatalogue, kind: FactorQuery['kind'], carrier: string): boolean {
  return catalogue.entries.some((e) => e.kind === kind && e.carrier === carrier && e.variant !== undefined);
}

/**
 * selectFactor is a pure function of the catalogue and the query, and a report
 * asks the same few queries for every institution: the selections are memoised
 * per catalogue object (a catalogue is immutable data; a new one is a new key).
 */
const selections = new WeakMap<FactorCatalogue, Map<string, ReturnType<typeof selectFactor>>>();
const queryKey = (q: FactorQuery): string =>
  JSON.stringify([q.kind, q.carrier, q.region, q.basis, q.variant, q.series, q.year, q.atMs, q.timeZone]);

function selectMemoised(catalogue: FactorCatalogue, query: FactorQuery): ReturnType<typeof selectFactor> {
  let cache = selections.get(catalogue);
  if (cache === undefined) {
    cache = new Map();
    selections.set(catalogue, cache);
  }
  const key = queryKey(query);
  let selection = cache.get(key);
  if (selection === undefined) {
    selection = selectFactor(catalogue, query);
    if (cache.size >= 1_000) cache.clear();
    cache.set(key, selection);
  }
  return selection;
}

export function lookupFactor(
  catalogue: FactorCatalogue,
  institutionId: string,
  query: FactorQuery,
): Checked<FactorRef> {
  const selection = selectMemoised(catalogue, query);
  if ('error' in selection) {
    return {
      error: {
        code: selection.error.code,
        message: `${lookupContext(institutionId, query)}: ${selection.error.message}`,
      },
    };
  }
  return { ok: factorRef(selection.ok.entry, selection.ok.fallback) };
}

const isUnit = (unit: string): unit is Unit => (UNITS as readonly string[]).includes(unit);

/**
 * quantity × factor, the result converted to `resultUnit` (kgce, kgCO2 or kg).
 * A quantity whose unit cannot take the factor is FACTOR_UNIT_MISMATCH, naming both.
 */
export function multiply(
  quantity: number,
  unit: string,
  factor: FactorRef,
  resultUnit: 'kgce' | 'kgCO2' | 'kg',
  what: string,
): Checked<number> {
  const mismatch = (detail: string): Checked<number> => ({
    error: { code: 'FACTOR_UNIT_MISMATCH', message: `${what}: ${detail}` },
  });
  if (!isUnit(unit)) return mismatch(`'${unit}' is not a known unit`);
  const applied = applyFactor({ value: quantity, unit }, factor);
  if ('error' in applied) return mismatch(`${applied.error.message} (factor ${factor.id})`);
  const converted = convertQuantity(applied.ok.value, applied.ok.unit, resultUnit);
  if (converted === undefined) return mismatch(`factor ${factor.id} yields ${applied.ok.unit}, expected ${resultUnit}`);
  return { ok: converted };
}
