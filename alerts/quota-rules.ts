import {
  timeWeightedValue,
  timeZoneOf,
  type AccountingStore,
  type CarbonSummary,
  type FactorCatalogue,
  type FleetView,
  type InstitutionConfig,
} from '../accounting/index.js';
import { AppError, bucketLabel, periodRange, DAY_MS } from '../src/kernel/index.js';
import type { RuleFinding } from './core/alert-types.js';
import { quotaFindings } from './core/quota-findings.js';
import { QUOTA_METRIC_RULES, quotaNumerator } from './core/quota-metrics.js';
import { computeQuotaProgress, type QuotaMonth, type QuotaProgress, type QuotaSpec } from './core/quota-progress.js';
import type { RuleFamily } from './ports.js';
import {
  createSettledPeriodsMemo,
  institutionYearFigures,
  pruneSettledPeriods,
  type InstitutionYearFigures,
} from './quota-figures.js';
import { quotaScopeOf, quotaValueOf, type QuotaEntry, type QuotaSettings } from './settings/quota-settings.js';

/**
 * Energy quotas (能耗定额) as a rule family (docs/alerts.md, "Quotas"): each configured
 * quota's progress as of an instant, from the carbon report's figures (quota-figures.ts),
 * judged by the pure core (core/quota-progress.ts, core/quota-findings.ts). The same code
 * serves the live evaluation, the backtest and the quotas route.
 */

export interface QuotaRulesDeps {
  readonly store: AccountingStore;
  readonly fleet: FleetView;
  readonly catalogue: FactorCatalogue;
  readonly methodologyVersion: string;
}

export interface QuotaProgressQuery {
  /** An org unit or institution: the quotas of every institution at or under it. */
  readonly orgId: string;
  /** Default: the local year holding asOfMs in the node's zone. */
  readonly year?: number | undefined;
  readonly asOfMs: number;
}

export interface QuotaProgressItem {
  readonly entry: QuotaEntry;
  /** The annual quota (a historical source's computed value included). */
  readonly value: number;
  /** null when the figures could not be computed (error says why). */
  readonly progress: QuotaProgress | null;
  /** The findings of this quota as of the instant (raise: a threshold crossed). */
  readonly findings: readonly RuleFinding[];
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface QuotaProgressReport {
  readonly orgId: string;
  readonly year: number;
  readonly asOfMs: number;
  readonly quotas: readonly QuotaProgressItem[];
}

export interface QuotaRules extends RuleFamily {
  /** The progress and projection of every quota in an org subtree for a year, as of an instant. */
  progress(query: QuotaProgressQuery): Promise<QuotaProgressReport>;
}

export interface QuotaRulesOptions {
  /**
   * The store does not change while these rules are used (a backtest replaying stored
   * history): settled periods are computed once. Never for the live service, where late
   * readings still change them.
   */
  readonly frozenStore?: boolean;
}

export function createQuotaRules(
  baseDeps: QuotaRulesDeps,
  settings: QuotaSettings,
  options: QuotaRulesOptions = {},
): QuotaRules {
  // Closed periods' figures: kept for good over a frozen store, revalidated by fingerprint in the live service.
  const settledPeriods = createSettledPeriodsMemo();
  const deps =
    options.frozenStore === true ? { ...baseDeps, closedPeriods: new Map() } : { ...baseDeps, settledPeriods };
  const institutionById = new Map(deps.fleet.fleet.institutions.map((i) => [i.id, i]));

  /** Progress of entries (all of one year), grouped by the institutions' zone for the store passes. */
  const progressOf = async (entries: readonly QuotaEntry[], year: number, asOfMs: number) => {
    const byZone = new Map<string, InstitutionConfig[]>();
    for (const id of new Set(entries.map((e) => e.institution))) {
      const institution = institutionById.get(id);
      if (institution === undefined) continue;
      const list = byZone.get(institution.timezone);
      if (list) list.push(institution);
      else byZone.set(institution.timezone, [institution]);
    }
    const figures = new Map<string, { thisYear: InstitutionYearFigures; lastYear: InstitutionYearFigures }>();
    for (const [timeZone, institutions] of byZone) {
      const request = { institutions, timeZone, asOfMs, basis: settings.basis };
      const [thisYear, lastYear] = await Promise.all([
        institutionYearFigures(deps, { ...request, year }),
        institutionYearFigures(deps, { ...request, year: year - 1, monthsOnly: true }),
      ]);
      for (const institution of institutions) {
        const now = thisYear.get(institution.id);
        const before = lastYear.get(institution.id);
        if (now && before) figures.set(institution.id, { thisYear: now, lastYear: before });
      }
    }
    return entries.map((entry): QuotaProgressItem => {
      const value = quotaValueOf(entry) ?? 0;
      const institution = institutionById.get(entry.institution);
      const found = figures.get(entry.institution);
      if (institution === undefined || found === undefined) {
        const error = { code: 'ORG_NOT_FOUND', message: `no institution ${entry.institution}` };
        return { entry, value, progress: null, findings: [], error };
      }
      const computed = progressOfEntry(entry, value, institution, found, asOfMs);
      if ('error' in computed) return { entry, value, progress: null, findings: [], error: computed.error };
      return { entry, value, progress: computed.ok, findings: quotaFindings(computed.ok, settings), error: null };
    });
  };

  /** Entries whose year is in progress at the instant, or closed less than closedYearDays ago. */
  const judgedAt = (asOfMs: number): Map<number, QuotaEntry[]> => {
    const byYear = new Map<number, QuotaEntry[]>();
    for (const entry of settings.entries) {
      const institution = institutionById.get(entry.institution);
      const range = periodRange(String(entry.year), institution?.timezone);
      if (institution === undefined || range === undefined) continue;
      if (asOfMs <= range.fromMs || asOfMs > range.toMs + settings.closedYearDays * DAY_MS) continue;
      const list = byYear.get(entry.year);
      if (list) list.push(entry);
      else byYear.set(entry.year, [entry]);
    }
    return byYear;
  };

  return {
    name: 'quotas',
    rules: ['quota_prorated', 'quota_annual', 'quota_projection'],
    async evaluate(asOfMs) {
      const findings: RuleFinding[] = [];
      for (const [year, entries] of judgedAt(asOfMs)) {
        for (const item of await progressOf(entries, year, asOfMs)) findings.push(...item.findings);
      }
      pruneSettledPeriods(settledPeriods);
      return findings;
    },
    async progress(query) {
      const under = deps.fleet.institutionsUnder(query.orgId);
      if (under === undefined)
        throw new AppError('ORG_NOT_FOUND', `no organisation unit or institution ${query.orgId}`);
      const ids = new Set(under.map((i) => i.id));
      const year = query.year ?? localYearOf(query.asOfMs, timeZoneOf(under));
      const entries = settings.entries.filter((e) => e.year === year && ids.has(e.institution));
      return { orgId: query.orgId, year, asOfMs: query.asOfMs, quotas: await progressOf(entries, year, query.asOfMs) };
    },
  };
}

type Checked<T> = { readonly ok: T } | { readonly error: { readonly code: string; readonly message: string } };

function progressOfEntry(
  entry: QuotaEntry,
  value: number,
  institution: InstitutionConfig,
  figures: { thisYear: InstitutionYearFigures; lastYear: InstitutionYearFigures },
  asOfMs: number,
): Checked<QuotaProgress> {
  const timeZone = institution.timezone;
  const metric = entry.metric;
  const scope = quotaScopeOf(entry);
  const rule = QUOTA_METRIC_RULES[metric];
  const failed = [...figures.thisYear.months, figures.thisYear.year].find((p) => p.error !== null)?.error;
  if (failed) return { error: failed };
  const denominator = (year: number): number | null => {
    if (rule.denominator === 'none') return 1;
    const range = periodRange(String(year), timeZone);
    if (range === undefined) return null;
    const value = timeWeightedValue(institution[rule.denominator], range.fromMs, range.toMs, timeZone);
    return value === null || value <= 0 ? null : value;
  };
  const thisDenominator = denominator(entry.year);
  if (thisDenominator === null) {
    const message = `${institution.id} has no ${rule.denominator} for all of ${entry.year}: no ${metric}`;
    return { error: { code: 'QUOTA_NOT_COMPUTABLE', message } };
  }
  const lastDenominator = denominator(entry.year - 1);
  const metricOf = (summary: CarbonSummary, over: number) => quotaNumerator(summary, metric, scope) / rule.scale / over;

  const months: QuotaMonth[] = Array.from({ length: 12 }, (_, i) => {
    const label = `${entry.year}-${String(i + 1).padStart(2, '0')}`;
    const range = periodRange(label, timeZone) as { fromMs: number; toMs: number };
    return { label, fromMs: range.fromMs, toMs: range.toMs };
  });
  const thisYear = figures.thisYear.months.map((p) =>
    p.summary === null ? null : metricOf(p.summary, thisDenominator),
  );
  // Last year's months without a reading (or without figures: a factor missing then) are unknown, not zero.
  const lastYear = figures.lastYear.months.map((p) =>
    p.summary === null || p.summary.readings.received === 0 || lastDenominator === null
      ? null
      : metricOf(p.summary, lastDenominator),
  );
  const yearSummary = figures.thisYear.year.summary;
  const spec: QuotaSpec = {
    institutionId: institution.id,
    institutionName: institution.name,
    timeZone,
    year: entry.year,
    metric,
    scope,
    value,
    allocation: entry.allocation,
  };
  return {
    ok: computeQuotaProgress({
      quota: spec,
      asOfMs,
      months,
      thisYear,
      yearToDate: yearSummary === null ? 0 : metricOf(yearSummary, thisDenominator),
      lastYear,
    }),
  };
}

/** The local year holding an instant in the zone (the route's default year). */
export function localYearOf(asOfMs: number, timeZone: string): number {
  return Number(bucketLabel(asOfMs, 'year', timeZone));
}
