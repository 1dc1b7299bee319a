import { localDate, periodRange } from '../../src/kernel/index.js';
import { compare, institutionBaseline, sumBaselines, type BaselineParts } from './comparisons.js';
import {
  completenessOf,
  DEFAULT_GRID_FACTOR_SERIES,
  institutionLines,
  type LineContext,
  type PeriodContext,
} from './emissions.js';
import type { Checked } from './report-factor.js';
import type { ComparisonGap, ReadingCounts } from './carbon-report-types.js';
import { intensityOf, sumFigures, timeWeightedValue, totalsOfLines, type Figures } from './roll-up.js';
import { institutionSubMetering } from './sub-metering.js';
import type {
  CarbonReport,
  CarbonReportInput,
  CarbonReportResult,
  CarbonSummary,
  MeterPeriodFigures,
  ReportInstitution,
  ReportNode,
  ReportMeter,
  ReportOrg,
  SubMeteringBalance,
} from './carbon-report-types.js';

/**
 * The carbon report of one node of the organisation tree (an org unit or an
 * institution) for one period: a pure function of the fleet, the meters'
 * period figures and the factor catalogue (docs/methodology.md, issue 3).
 *
 * - Institution lines: emissions.ts (root meters only, factors, scopes, PV,
 *   market-based instruments). Sub-metering and 分项: sub-metering.ts.
 * - Roll-ups: roll-up.ts. A parent's figures are Σ of its children's; its
 *   intensities are Σ numerators / Σ denominators.
 * - Denominators (floor area, occupants): time-weighted over the period from
 *   the effective-dated values (the value in force, for a month without change).
 * - Comparisons: comparisons.ts. An institution without a reading in the same
 *   period last year has no year-on-year comparison (a reason says so), and a
 *   parent compares only if every child can.
 * - Completeness: received / expected readings for the whole period, and, for a
 *   period still in progress at generation, to date as well.
 * - children[]: one level, each child's own summary (with its lines, 分项 and
 *   comparisons) but without grandchildren: a client asks for the child's report
 *   to go deeper, which keeps a regional report's size linear in its children.
 * - Numbers keep full precision; only the CSV rounds for display.
 */

export const BASIS_LABELS = { equivalent: '当量值', equal: '等价值' } as const;

interface Gap {
  readonly reason: string;
  readonly code: ComparisonGap;
}

interface NodeResult {
  readonly node: ReportNode;
  readonly figures: Figures;
  readonly previous: { readonly figures: Figures; readonly missingMeterIds: readonly string[] } | Gap;
  readonly baseline: BaselineParts;
  readonly subMetering: readonly SubMeteringBalance[];
  readonly notes: readonly string[];
}

function periodContext(label: string, fromMs: number, toMs: number, timeZone: string): PeriodContext {
  const year = Number(localDate(fromMs, timeZone).slice(0, 4));
  const yearRange = periodRange(String(year), timeZone);
  const shareOfYear = yearRange === undefined ? 1 : (toMs - fromMs) / (yearRange.toMs - yearRange.fromMs);
  return { label, fromMs, toMs, timeZone, year, shareOfYear };
}

/** `own`: the institution's meters, in fleet order (both callees keep only the institution's meters, so passing them alone changes nothing). */
function institutionFigures(
  institution: ReportInstitution,
  own: readonly ReportMeter[],
  ctx: LineContext,
): Checked<{
  figures: Figures;
  subMetering: readonly SubMeteringBalance[];
  notes: readonly string[];
  missingMeterIds: readonly string[];
}> {
  const result = institutionLines(institution, own, ctx);
  if ('error' in result) return result;
  const { lines, notes, missingMeterIds } = result.ok;
  const sub = institutionSubMetering(institution.id, own, ctx.figures);
  const counted = lines.filter((l) => !l.method.startsWith('market'));
  const readings = counted.reduce(
    (r, l) => ({ received: r.received + l.readings.received, expected: r.expected + l.readings.expected }),
    { received: 0, expected: 0 },
  );
  const { fromMs, toMs } = ctx.period;
  const figures: Figures = {
    institutionCount: 1,
    lines,
    totals: totalsOfLines(lines),
    waterM3: lines.filter((l) => l.carrier === 'water').reduce((sum, l) => sum + l.consumption, 0),
    denominators: {
      floorAreaM2: timeWeightedValue(institution.floorAreaM2, fromMs, toMs, institution.timeZone),
      occupants: timeWeightedValue(institution.occupants, fromMs, toMs, institution.timeZone),
    },
    readings,
    endUses: sub.endUses,
    reviews: own.reduce((sum, m) => sum + (ctx.figures.get(m.id)?.reviews ?? 0), 0),
  };
  return { ok: { figures, subMetering: sub.balances, notes, missingMeterIds } };
}

/** Received readings against those expected up to the share of the period elapsed, capped at 1. */
function completenessToDate(readings: ReadingCounts, elapsedShare: number): number | null {
  const expected = readings.expected * elapsedShare;
  return expected > 0 ? Math.min(1, readings.received / expected) : null;
}

function summaryOf(
  result: NodeResult,
  year: number,
  annual: boolean,
  previousLabel: string,
  elapsedShare: number,
): CarbonSummary {
  const { figures } = result;
  const previous =
    'reason' in result.previous
      ? result.previous
      : { period: previousLabel, figures: result.previous.figures, missingMeterIds: result.previous.missingMeterIds };
  return {
    org: result.node,
    institutionCount: figures.institutionCount,
    lines: figures.lines,
    totals: figures.totals,
    waterM3: figures.waterM3,
    denominators: figures.denominators,
    intensity: intensityOf(figures.totals, figures.waterM3, figures.denominators),
    completeness: completenessOf(figures.readings),
    completenessToDate:
      elapsedShare >= 1 ? completenessOf(figures.readings) : completenessToDate(figures.readings, elapsedShare),
    readings: figures.readings,
    endUses: figures.endUses,
    reviews: figures.reviews,
    comparisons: compare({ current: figures, previous, baseline: result.baseline, year, annual }),
  };
}

/** Items by key, each list in input order. */
function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}

export function buildCarbonReport(input: CarbonReportInput): CarbonReportResult {
  const orgs = new Map<string, ReportOrg>(input.orgs.map((o) => [o.id, o]));
  const institutions = new Map<string, ReportInstitution>(input.institutions.map((i) => [i.id, i]));
  // Indexes built once: per-node scans of the whole fleet were quadratic (10 000 meters × 1 000 institutions).
  const metersOf = groupBy(input.meters, (m) => m.institutionId);
  const orgsUnder = groupBy(input.orgs, (o) => o.parentId);
  const institutionsUnder = groupBy(input.institutions, (i) => i.orgId);
  const childIdsOf = (id: string): string[] => [
    ...(orgsUnder.get(id) ?? []).map((o) => o.id),
    ...(institutionsUnder.get(id) ?? []).map((i) => i.id),
  ];
  if (!orgs.has(input.orgId) && !institutions.has(input.orgId)) {
    return { error: { code: 'ORG_NOT_FOUND', message: `no organisation unit or institution '${input.orgId}'` } };
  }
  const { period } = input;
  const annual = /^\d{4}$/.test(period.label);
  const current = periodContext(period.label, period.fromMs, period.toMs, period.timeZone);
  const previousLabel = period.label.replace(/^\d{4}/, (y) => String(Number(y) - 1));
  const previousRange = periodRange(previousLabel, period.timeZone);
  const gridFactorSeries = input.gridFactorSeries ?? DEFAULT_GRID_FACTOR_SERIES;
  const context = (figures: ReadonlyMap<string, MeterPeriodFigures>, p: PeriodContext): LineContext => ({
    catalogue: input.catalogue,
    basis: input.basis,
    gridFactorSeries,
    period: p,
    figures,
  });
  const currentCtx = context(input.current, current);
  const previousCtx =
    input.previousYear === undefined || previousRange === undefined
      ? undefined
      : context(
          input.previousYear,
          periodContext(previousLabel, previousRange.fromMs, previousRange.toMs, period.timeZone),
        );

  const previousUnavailable: Gap | undefined =
    input.previousYear === undefined
      ? { reason: 'no figures for the same period last year were supplied', code: 'not_supplied' }
      : previousRange === undefined
        ? { reason: `period ${period.label} has no same period last year`, code: 'no_same_period' }
        : undefined;
  // Expected readings grow linearly through the period: the share elapsed at generation scales them to date.
  const elapsedShare = Math.min(1, Math.max(0, (input.generatedAtMs - period.fromMs) / (period.toMs - period.fromMs)));

  const memo = new Map<string, Checked<NodeResult>>();
  const visit = (id: string, path: readonly string[]): Checked<NodeResult> => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (path.includes(id)) throw new Error(`cycle in the organisation tree: ${[...path, id].join(' → ')}`);
    const result = visitUncached(id, [...path, id]);
    memo.set(id, result);
    return result;
  };
  const visitUncached = (id: string, path: readonly string[]): Checked<NodeResult> => {
    const institution = institutions.get(id);
    if (institution !== undefined) {
      const node: ReportNode = {
        id,
        name: institution.name,
        level: 'institution',
        kind: 'institution',
        type: institution.type,
      };
      const own = metersOf.get(id) ?? [];
      const now = institutionFigures(institution, own, currentCtx);
      if ('error' in now) return now;
      let previous: NodeResult['previous'] = previousUnavailable ?? { reason: '', code: 'not_supplied' };
      if (previousCtx !== undefined) {
        const before = institutionFigures(institution, own, previousCtx);
        if ('error' in before) {
          const reason = `same period last year (${previousLabel}): ${before.error.code}: ${before.error.message}`;
          previous = { reason, code: 'last_year_failed' };
        } else if (before.ok.figures.readings.received === 0) {
          const reason = `institution ${id}: no readings in ${previousLabel}: nothing to compare with`;
          previous = { reason, code: 'no_readings_last_year' };
        } else previous = { figures: before.ok.figures, missingMeterIds: before.ok.missingMeterIds };
      }
      const baseline = institutionBaseline(id, institution.baseline, institution.targets, now.ok.figures.denominators);
      return {
        ok: { node, figures: now.ok.figures, previous, baseline, subMetering: now.ok.subMetering, notes: now.ok.notes },
      };
    }
    const org = orgs.get(id) as ReportOrg;
    const node: ReportNode = { id, name: org.name, level: org.level, kind: 'org', type: null };
    const childIds = childIdsOf(id);
    const children: NodeResult[] = [];
    for (const childId of childIds) {
      const child = visit(childId, path);
      if ('error' in child) return child;
      children.push(child.ok);
    }
    // A parent compares with last year only if every child can.
    const gap = previousUnavailable ?? children.flatMap((c) => ('reason' in c.previous ? [c.previous] : []))[0];
    const previous: NodeResult['previous'] =
      gap !== undefined
        ? gap
        : {
            figures: sumFigures(children.map((c) => ('figures' in c.previous ? c.previous.figures : sumFigures([])))),
            missingMeterIds: children.flatMap((c) => ('figures' in c.previous ? c.previous.missingMeterIds : [])),
          };
    return {
      ok: {
        node,
        figures: sumFigures(children.map((c) => c.figures)),
        previous,
        baseline: sumBaselines(children.map((c) => c.baseline)),
        subMetering: children.flatMap((c) => c.subMetering),
        notes: [...new Set(children.flatMap((c) => c.notes))],
      },
    };
  };

  const root = visit(input.orgId, []);
  if ('error' in root) return root;
  const result = root.ok;
  const summary = summaryOf(result, current.year, annual, previousLabel, elapsedShare);
  const childIds = institutions.has(input.orgId) ? [] : childIdsOf(input.orgId);
  const children = childIds.map((id) =>
    summaryOf((memo.get(id) as { ok: NodeResult }).ok, current.year, annual, previousLabel, elapsedShare),
  );

  const notes = [...result.notes];
  for (const balance of result.subMetering) {
    if (balance.unmetered < 0)
      notes.push(
        `meter ${balance.meterId}: its child meters read ${-balance.unmetered} ${balance.unit} more than it supplies (imbalance ${balance.imbalancePercent} %): check the meters`,
      );
  }
  if (summary.reviews > 0)
    notes.push(
      `${summary.reviews} quarantined interval(s) await review: their amounts are booked in no figure of this report`,
    );

  const { org, ...figures } = summary;
  const report: CarbonReport = {
    org,
    period: {
      label: period.label,
      from: new Date(period.fromMs).toISOString(),
      to: new Date(period.toMs).toISOString(),
    },
    timezone: period.timeZone,
    basis: input.basis,
    basisLabel: BASIS_LABELS[input.basis],
    generatedAt: new Date(input.generatedAtMs).toISOString(),
    inProgress: elapsedShare < 1,
    dataCutoff: new Date(input.dataCutoffMs).toISOString(),
    methodologyVersion: input.methodologyVersion,
    factorCatalogueVersion: input.catalogue.version,
    ...figures,
    subMetering: result.subMetering,
    children,
    notes: [...new Set(notes)],
  };
  return { ok: report };
}
