import {
  buildCarbonReport,
  EDGE_WINDOW_MS,
  LEARN_WINDOW_DAYS,
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
  type MeterSpec,
  type ReportMeter,
} from '../accounting/index.js';
import { bucketStart, DAY_MS, periodRange } from '../src/kernel/index.js';
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
  /** The live service: closed periods' meter figures, reused while their inputs are unchanged (below). */
  readonly settledPeriods?: SettledPeriodsMemo | undefined;
}

/**
 * Closed periods' meter figures in the live service, where late readings can still change them
 * (docs/alerts.md, "Evaluation cost"). A period's figures of one meter are computed from that meter's
 * readings in [period start − EDGE_WINDOW_MS, period end) (the edge before, the learned rate bound's
 * days, the period and its raw fallbacks) and the first reading at or after the end (the edge after).
 * One fingerprint per meter (accounting's `readingFingerprints`: count, latest arrival, first and last
 * device time) over the span from the earliest closed period's edge window to the latest one's end, and
 * the first reading after that span, cover every closed period of a year at once: rows are never
 * rewritten in place or deleted, so a reading added anywhere under the span raises the count, and a
 * period's edge after lies either inside the span or is that first reading. A meter whose fingerprint
 * is what it was reuses its figures of every closed period; the others are computed again, together.
 */
export interface SettledPeriodsMemo {
  /** Per period key, per meter: the fingerprint its figures were computed under and the figures (none: no bucket). */
  readonly periods: Map<string, Map<string, { readonly fingerprint: string; readonly figures?: MeterPeriodFigures }>>;
  /** The period keys asked since the last `pruneSettledPeriods`. */
  readonly used: Set<string>;
}

export function createSettledPeriodsMemo(): SettledPeriodsMemo {
  return { periods: new Map(), used: new Set() };
}

/** Drops the periods not asked since the last prune (another meter set, a year no longer judged). */
export function pruneSettledPeriods(memo: SettledPeriodsMemo): void {
  for (const key of memo.periods.keys()) if (!memo.used.has(key)) memo.periods.delete(key);
  memo.used.clear();
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
  const live = deps.closedPeriods === undefined ? deps.settledPeriods : undefined;
  const closed = labels
    .map((label) => periodRange(label, timeZone))
    .filter((r): r is NonNullable<typeof r> => r !== undefined && r.toMs <= asOfMs);
  const fingerprints =
    live !== undefined && closed.length > 0 ? await closedFingerprints(store, specs, closed, timeZone) : undefined;
  const periods = await Promise.all(
    labels.map(async (label) => {
      const range = periodRange(label, timeZone);
      if (range === undefined || range.fromMs >= asOfMs) return { label, range, figures: undefined };
      if (live !== undefined && fingerprints !== undefined && range.toMs <= asOfMs) {
        return {
          label,
          range,
          figures: await settledFigures(store, live, memoKey(label), specs, range, timeZone, fingerprints),
        };
      }
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

/** Per meter, the fingerprint of what the closed periods' figures read (see SettledPeriodsMemo), in two queries. */
async function closedFingerprints(
  store: AccountingStore,
  specs: readonly MeterSpec[],
  closed: readonly { readonly fromMs: number; readonly toMs: number }[],
  timeZone: string,
): Promise<Map<string, string>> {
  const meterIds = specs.map((m) => m.id);
  const fromMs = Math.min(...closed.map((r) => r.fromMs));
  const toMs = Math.max(...closed.map((r) => r.toMs));
  // The learned bound's days start at most LEARN_WINDOW_DAYS (+ a DST day) before; the edge window further.
  const learnFromMs = bucketStart(bucketStart(fromMs, 'day', timeZone) - LEARN_WINDOW_DAYS * DAY_MS, 'day', timeZone);
  const spanFromMs = Math.min(fromMs - EDGE_WINDOW_MS, learnFromMs);
  const [counts, edges] = await Promise.all([
    store.readingFingerprints({ meterIds, fromMs: spanFromMs, toMs }),
    store.edgeReadings({ meterIds, beforeMs: toMs, afterMs: toMs, windowMs: EDGE_WINDOW_MS }),
  ]);
  const out = new Map<string, string>();
  for (const id of meterIds) {
    const after = edges.after.get(id);
    out.set(id, `${counts.get(id) ?? 'none'}|${after === undefined ? 'none' : `${after.tsMs}|${after.value}`}`);
  }
  return out;
}

/** A closed period's figures of the meters, in their order: kept ones where the fingerprint holds, the rest computed. */
async function settledFigures(
  store: AccountingStore,
  memo: SettledPeriodsMemo,
  key: string,
  specs: readonly MeterSpec[],
  range: { readonly fromMs: number; readonly toMs: number },
  timeZone: string,
  fingerprints: ReadonlyMap<string, string>,
): Promise<Map<string, MeterPeriodFigures>> {
  memo.used.add(key);
  let kept = memo.periods.get(key);
  if (kept === undefined) memo.periods.set(key, (kept = new Map()));
  const stale = specs.filter((m) => kept.get(m.id)?.fingerprint !== fingerprints.get(m.id));
  if (stale.length > 0) {
    const { figures } = await meterPeriodFigures(store, stale, range.fromMs, range.toMs, timeZone);
    for (const m of stale) {
      const fingerprint = fingerprints.get(m.id) ?? 'none';
      const found = figures.get(m.id);
      kept.set(m.id, found === undefined ? { fingerprint } : { fingerprint, figures: found });
    }
  }
  const out = new Map<string, MeterPeriodFigures>();
  for (const m of specs) {
    const found = kept.get(m.id)?.figures;
    if (found !== undefined) out.set(m.id, found);
  }
  return out;
}
