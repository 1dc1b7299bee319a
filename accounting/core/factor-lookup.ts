import { localDate, DEFAULT_TIME_ZONE } from '../../src/kernel/index.js';

/**
 * The factor catalogue as the core sees it, and the one way to pick an entry.
 * Entries are data (config/factors.yaml, validated by
 * config/factor-catalogue-schema.ts); no figure lives in code. A report line
 * records the entry it used, so this module never picks silently: a missing or
 * ambiguous factor is an error value naming what is missing, and a fallback to
 * an earlier year happens only where the entry allows it, and is returned so the
 * report can print it.
 */

export const FACTOR_KINDS = ['standard_coal', 'emission', 'density'] as const;
export type FactorKind = (typeof FACTOR_KINDS)[number];

/** Electricity to standard coal: equivalent value 当量值 (heat content) or equal value 等价值 (fuel burnt to generate it). */
export const ELECTRICITY_BASES = ['equivalent', 'equal'] as const;
export type ElectricityBasis = (typeof ELECTRICITY_BASES)[number];

/** Confidence marks (docs/methodology.md §15): P primary source read, S secondary, U unverified or conflicting. */
export const CONFIDENCE_MARKS = ['P', 'S', 'U'] as const;
export type ConfidenceMark = (typeof CONFIDENCE_MARKS)[number];

export interface FactorSource {
  readonly publisher: string;
  readonly document: string;
  /** Year of issue, where known. */
  readonly year?: number | undefined;
  readonly url?: string | undefined;
  readonly note?: string | undefined;
}

export interface FactorEntry {
  readonly id: string;
  readonly kind: FactorKind;
  /** A kernel carrier, or a carrier the catalogue already knows (steam, fuel_oil). */
  readonly carrier: string;
  /** Only for electricity standard coal. */
  readonly basis?: ElectricityBasis | undefined;
  /** Where one carrier has several published values (natural gas from a gas field or an oil field). */
  readonly variant?: string | undefined;
  readonly value: number;
  /** e.g. 'kgce/kWh', 'kgCO2/kWh', 'tCO2/MWh', 'tCO2/t', 'kg/L' (see apply-factor.ts). */
  readonly unit: string;
  /** Grid factors are regional (national, northwest, ningxia …); other entries apply everywhere. */
  readonly region?: string | undefined;
  /** A published series; entries of different series are never mixed. */
  readonly series: string;
  /** A yearly factor applies to that calendar year … */
  readonly year?: number | undefined;
  /** … and, if this is set, to later years until an entry for a later year exists. */
  readonly appliesUntilSuperseded?: boolean | undefined;
  /** Dated validity, local dates 'YYYY-MM-DD', validTo exclusive; both absent: no known limit. */
  readonly validFrom?: string | undefined;
  readonly validTo?: string | undefined;
  readonly source: FactorSource;
  readonly confidence: ConfidenceMark;
  readonly note?: string | undefined;
}

export interface FactorCatalogue {
  readonly version: string;
  readonly entries: readonly FactorEntry[];
}

export interface FactorQuery {
  readonly kind: FactorKind;
  readonly carrier: string;
  /** The institution's grid region; required when the carrier's factors are regional. */
  readonly region?: string;
  /** Required for electricity standard coal: the report parameter, printed on the report. */
  readonly basis?: ElectricityBasis;
  readonly series?: string;
  readonly variant?: string;
  /** The reporting year, or an instant whose local date is looked up. */
  readonly year?: number;
  readonly atMs?: number;
  readonly timeZone?: string;
}

export type FactorErrorCode = 'FACTOR_MISSING' | 'FACTOR_AMBIGUOUS';

export interface FactorFallback {
  readonly requestedYear: number;
  readonly usedYear: number;
  readonly reason: string;
}

export type FactorSelection =
  | { readonly ok: { readonly entry: FactorEntry; readonly fallback?: FactorFallback } }
  | {
      readonly error: {
        readonly code: FactorErrorCode;
        readonly message: string;
        readonly candidates: readonly string[];
      };
    };

type Failure = Extract<FactorSelection, { error: unknown }>;

const missing = (message: string, candidates: readonly FactorEntry[] = []): Failure => ({
  error: { code: 'FACTOR_MISSING', message, candidates: candidates.map((e) => e.id) },
});
const ambiguous = (message: string, candidates: readonly FactorEntry[]): Failure => ({
  error: { code: 'FACTOR_AMBIGUOUS', message, candidates: candidates.map((e) => e.id) },
});

function describe(query: FactorQuery): string {
  const parts = [`${query.kind} factor for ${query.carrier}`];
  if (query.basis) parts.push(`basis ${query.basis}`);
  if (query.variant) parts.push(`variant ${query.variant}`);
  if (query.region) parts.push(`region ${query.region}`);
  if (query.series) parts.push(`series ${query.series}`);
  return parts.join(', ');
}

const distinct = (values: ReadonlyArray<string | undefined>) => [...new Set(values)].map((v) => v ?? '(none)').sort();

/**
 * Narrows by an attribute. Given in the query: entries must carry that value.
 * Not given: fine if the entries agree on one value (the only published one is
 * not a default), an error if they differ. `required` attributes (basis, region)
 * must be given whenever an entry carries one, because the report prints them.
 */
function narrow(
  entries: readonly FactorEntry[],
  query: FactorQuery,
  attribute: 'basis' | 'variant' | 'series' | 'region',
  required: boolean,
): readonly FactorEntry[] | Failure {
  const wanted = query[attribute];
  const available = distinct(entries.map((e) => e[attribute]));
  if (wanted !== undefined) {
    // A region-less entry (a fuel default) applies in every region.
    const kept = entries.filter((e) => e[attribute] === wanted || (attribute === 'region' && e.region === undefined));
    const specific = kept.filter((e) => e[attribute] === wanted);
    if (kept.length === 0)
      return missing(
        `no ${describe(query)} in the catalogue (${attribute}s available: ${available.join(', ')})`,
        entries,
      );
    return specific.length > 0 ? specific : kept;
  }
  const carried = entries.some((e) => e[attribute] !== undefined);
  if (required && carried)
    return ambiguous(`${describe(query)}: say which ${attribute} (available: ${available.join(', ')})`, entries);
  if (available.length > 1)
    return ambiguous(
      `${describe(query)} exists in several ${attribute}s (${available.join(', ')}): say which`,
      entries,
    );
  return entries;
}

const isFailure = (value: readonly FactorEntry[] | Failure): value is Failure => 'error' in value;

/** Does a dated entry cover the whole of [fromDate, toDate)? Or only part of it? */
function coverage(entry: FactorEntry, fromDate: string, toDate: string): 'all' | 'part' | 'none' {
  const from = entry.validFrom ?? '0000-01-01';
  const to = entry.validTo ?? '9999-12-31';
  if (from >= toDate || to <= fromDate) return 'none';
  return from <= fromDate && to >= toDate ? 'all' : 'part';
}

/** 'YYYY-MM-DD' of the next calendar day (a date, so UTC arithmetic is exact). */
function dayAfter(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function resolveTime(query: FactorQuery): { year: number; fromDate: string; toDate: string } {
  if ((query.year === undefined) === (query.atMs === undefined))
    throw new Error('a factor query needs exactly one of year and atMs');
  if (query.year !== undefined)
    return { year: query.year, fromDate: `${query.year}-01-01`, toDate: `${query.year + 1}-01-01` };
  const date = localDate(query.atMs as number, query.timeZone ?? DEFAULT_TIME_ZONE);
  return { year: Number(date.slice(0, 4)), fromDate: date, toDate: dayAfter(date) };
}

function selectInTime(entries: readonly FactorEntry[], query: FactorQuery): FactorSelection {
  const { year, fromDate, toDate } = resolveTime(query);
  const yearly = entries.filter((e) => e.year !== undefined);
  const dated = entries.filter((e) => e.year === undefined);
  const partial = dated.filter((e) => coverage(e, fromDate, toDate) === 'part');
  const matches = [
    ...yearly.filter((e) => e.year === year),
    ...dated.filter((e) => coverage(e, fromDate, toDate) === 'all'),
  ];
  const when = query.year !== undefined ? `year ${year}` : `date ${fromDate}`;
  if (matches.length === 1 && partial.length === 0) return { ok: { entry: matches[0] as FactorEntry } };
  if (matches.length > 1 || partial.length > 0) {
    const why = partial.length > 0 ? 'the factor changes within the period: query by date' : 'several entries apply';
    return ambiguous(`${describe(query)}, ${when}: ${why}`, [...matches, ...partial]);
  }
  const prior = yearly.filter((e) => (e.year as number) < year && e.appliesUntilSuperseded === true);
  const usedYear = Math.max(...prior.map((e) => e.year as number));
  const latest = prior.filter((e) => e.year === usedYear);
  if (latest.length === 1) {
    const entry = latest[0] as FactorEntry;
    const reason = `no ${year} factor is published; the ${usedYear} factor applies until superseded`;
    return { ok: { entry, fallback: { requestedYear: year, usedYear, reason } } };
  }
  if (latest.length > 1) return ambiguous(`${describe(query)}, ${when}: several ${usedYear} entries apply`, latest);
  const years = distinct(
    entries.map((e) => (e.year === undefined ? `${e.validFrom ?? '…'}–${e.validTo ?? '…'}` : String(e.year))),
  );
  return missing(`no ${describe(query)} for ${when} (entries cover: ${years.join(', ')})`, entries);
}

/**
 * Picks the one catalogue entry for a query: kind and carrier, then basis,
 * variant, region and series, then time. Water has no standard-coal factor by
 * design: it is a resource reported in m3, outside 综合能耗, and asking for one
 * is answered FACTOR_MISSING with that reason.
 */
export function selectFactor(catalogue: FactorCatalogue, query: FactorQuery): FactorSelection {
  if (query.kind === 'standard_coal' && query.carrier === 'water') {
    return missing('water has no standard-coal factor: it is a resource reported in m3, outside 综合能耗');
  }
  let entries: readonly FactorEntry[] | Failure = catalogue.entries.filter(
    (e) => e.kind === query.kind && e.carrier === query.carrier,
  );
  if (entries.length === 0)
    return missing(`no ${query.kind} factor for carrier ${query.carrier} in catalogue ${catalogue.version}`);
  const steps: Array<['basis' | 'variant' | 'series' | 'region', boolean]> = [
    ['basis', true],
    ['region', true],
    ['series', false],
    ['variant', false],
  ];
  for (const [attribute, required] of steps) {
    entries = narrow(entries, query, attribute, required);
    if (isFailure(entries)) return entries;
  }
  return selectInTime(entries, query);
}
