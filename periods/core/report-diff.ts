import { canonicalJson } from './canonical-report.js';
import type { LeafChange } from './merkle-tree.js';

/**
 * The machine-readable difference between two closed reports of one period
 * (docs/periods.md, "The diff"): which lines moved (by carrier, 分项 and
 * scope), by how much, the totals and the children, and why: the meter-days
 * whose input leaves changed (late or corrected readings), factor entries that
 * changed, quarantined readings whose review was resolved, a new methodology
 * or catalogue version. The reports are read structurally (the closed JSON),
 * so this core needs nothing of accounting's types.
 */

/** A figure before and after, and the change (after − before); null where one side has none. */
export interface FigureChange {
  readonly field: string;
  readonly before: number | null;
  readonly after: number | null;
  readonly delta: number | null;
}

export interface LineKey {
  readonly carrier: string;
  readonly endUse: string | null;
  readonly scope: number | null;
  readonly method: string;
}

export interface LineChange extends LineKey {
  readonly change: 'added' | 'removed' | 'changed';
  readonly figures: readonly FigureChange[];
}

export interface ChildChange {
  readonly orgId: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly totals: readonly FigureChange[];
  readonly lines: readonly LineChange[];
}

/** A factor entry as a report line cites it (id and value are what matter to the figures). */
export interface FactorEntry {
  readonly id: string;
  readonly value: number;
  readonly unit: string;
  readonly [key: string]: unknown;
}

export interface FactorEntryChange {
  readonly id: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before: FactorEntry | null;
  readonly after: FactorEntry | null;
}

export type DiffReason =
  | { readonly kind: 'late_readings'; readonly meterDays: readonly Omit<LeafChange, 'before' | 'after'>[] }
  | { readonly kind: 'factor_entry_changed'; readonly entries: readonly FactorEntryChange[] }
  | { readonly kind: 'review_resolved'; readonly reviewsBefore: number; readonly reviewsAfter: number }
  | { readonly kind: 'version_changed'; readonly field: string; readonly before: string; readonly after: string }
  /** The instant every figure is complete up to moved (a meter silent before the period's end reported since). */
  | { readonly kind: 'data_cutoff_moved'; readonly before: string; readonly after: string };

export interface ReportDiff {
  /** True when nothing the report shows changed, nor its input. */
  readonly empty: boolean;
  readonly lines: readonly LineChange[];
  readonly totals: readonly FigureChange[];
  readonly children: readonly ChildChange[];
  readonly reasons: readonly DiffReason[];
}

/** The two sides of a diff: the closed report bodies, their input leaves' changes, the factor entries cited. */
export interface DiffInput {
  readonly before: unknown;
  readonly after: unknown;
  readonly leafChanges: readonly LeafChange[];
  readonly factorsBefore: readonly FactorEntry[];
  readonly factorsAfter: readonly FactorEntry[];
}

const LINE_FIGURES = [
  'consumption',
  'massKg',
  'kgce',
  'co2eKg',
  'estimatedAmount',
  'estimatedShare',
  'quarantinedAmount',
  'coveredKwh',
  'completeness',
  'readings.received',
  'readings.expected',
];
const SUMMARY_FIGURES = ['waterM3', 'reviews', 'completeness', 'readings.received', 'readings.expected'];
const VERSIONS = ['methodologyVersion', 'factorCatalogueVersion'];

export function reportDiff(input: DiffInput): ReportDiff {
  const before = record(input.before);
  const after = record(input.after);
  const lines = lineChanges(before.lines, after.lines);
  const totals = [...figureChanges(record(before.totals), record(after.totals)), ...summaryChanges(before, after)];
  const children = childChanges(before.children, after.children);
  const reasons: DiffReason[] = [];
  if (input.leafChanges.length > 0) {
    const meterDays = input.leafChanges.map(({ meterId, day, change }) => ({ meterId, day, change }));
    reasons.push({ kind: 'late_readings', meterDays });
  }
  const entries = factorChanges(input.factorsBefore, input.factorsAfter);
  if (entries.length > 0) reasons.push({ kind: 'factor_entry_changed', entries });
  const reviewsBefore = numberOrNull(before.reviews) ?? 0;
  const reviewsAfter = numberOrNull(after.reviews) ?? 0;
  if (reviewsAfter < reviewsBefore) reasons.push({ kind: 'review_resolved', reviewsBefore, reviewsAfter });
  for (const field of VERSIONS) {
    const [b, a] = [String(before[field] ?? ''), String(after[field] ?? '')];
    if (b !== a) reasons.push({ kind: 'version_changed', field, before: b, after: a });
  }
  const [cutoffBefore, cutoffAfter] = [String(before.dataCutoff ?? ''), String(after.dataCutoff ?? '')];
  if (cutoffBefore !== cutoffAfter)
    reasons.push({ kind: 'data_cutoff_moved', before: cutoffBefore, after: cutoffAfter });
  const empty =
    lines.length === 0 &&
    totals.length === 0 &&
    children.length === 0 &&
    reasons.length === 0 &&
    sameJson(before, after);
  return { empty, lines, totals, children, reasons };
}

function lineChanges(beforeLines: unknown, afterLines: unknown): LineChange[] {
  const old = new Map(array(beforeLines).map((l) => [lineKeyText(l), record(l)]));
  const changes: LineChange[] = [];
  for (const raw of array(afterLines)) {
    const line = record(raw);
    const key = lineKeyText(line);
    const prev = old.get(key);
    old.delete(key);
    if (prev === undefined)
      changes.push({ ...lineKey(line), change: 'added', figures: pick(null, line, LINE_FIGURES) });
    else {
      const figures = pick(prev, line, LINE_FIGURES);
      if (figures.length > 0) changes.push({ ...lineKey(line), change: 'changed', figures });
    }
  }
  for (const prev of old.values())
    changes.push({ ...lineKey(prev), change: 'removed', figures: pick(prev, null, LINE_FIGURES) });
  return changes;
}

function childChanges(beforeChildren: unknown, afterChildren: unknown): ChildChange[] {
  const idOf = (c: unknown) => String(record(record(c).org).id ?? '');
  const old = new Map(array(beforeChildren).map((c) => [idOf(c), record(c)]));
  const changes: ChildChange[] = [];
  for (const raw of array(afterChildren)) {
    const child = record(raw);
    const orgId = idOf(child);
    const prev = old.get(orgId);
    old.delete(orgId);
    const totals = [...figureChanges(record(prev?.totals), record(child.totals)), ...summaryChanges(prev ?? {}, child)];
    const lines = lineChanges(prev?.lines, child.lines);
    if (prev === undefined) changes.push({ orgId, change: 'added', totals, lines });
    else if (totals.length > 0 || lines.length > 0) changes.push({ orgId, change: 'changed', totals, lines });
  }
  for (const [orgId, prev] of old)
    changes.push({ orgId, change: 'removed', totals: figureChanges(record(prev.totals), {}), lines: [] });
  return changes;
}

function summaryChanges(before: Record<string, unknown>, after: Record<string, unknown>): FigureChange[] {
  return pick(before, after, SUMMARY_FIGURES);
}

function figureChanges(before: Record<string, unknown>, after: Record<string, unknown>): FigureChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return pick(before, after, fields);
}

/** The numeric fields that differ (null on a missing side). */
function pick(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  fields: readonly string[],
): FigureChange[] {
  const out: FigureChange[] = [];
  for (const field of fields) {
    const b = before === null ? null : numberOrNull(at(before, field));
    const a = after === null ? null : numberOrNull(at(after, field));
    if (b === a) continue;
    out.push({ field, before: b, after: a, delta: a === null || b === null ? null : a - b });
  }
  return out;
}

/** A field, or a dotted path one object down (readings.received). */
function at(value: Record<string, unknown>, field: string): unknown {
  const [head = '', rest] = field.split('.', 2);
  return rest === undefined ? value[head] : record(value[head])[rest];
}

function factorChanges(before: readonly FactorEntry[], after: readonly FactorEntry[]): FactorEntryChange[] {
  const old = new Map(before.map((f) => [f.id, f]));
  const changes: FactorEntryChange[] = [];
  for (const entry of after) {
    const prev = old.get(entry.id);
    old.delete(entry.id);
    if (prev === undefined) changes.push({ id: entry.id, change: 'added', before: null, after: entry });
    else if (!sameJson(prev, entry)) changes.push({ id: entry.id, change: 'changed', before: prev, after: entry });
  }
  for (const prev of old.values()) changes.push({ id: prev.id, change: 'removed', before: prev, after: null });
  return changes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The distinct factor entries a report's lines cite (CO2, standard coal, density), by id. */
export function factorEntriesOf(report: unknown): FactorEntry[] {
  const byId = new Map<string, FactorEntry>();
  const visit = (lines: unknown) => {
    for (const raw of array(lines)) {
      const line = record(raw);
      for (const key of ['factor', 'coalFactor', 'densityFactor']) {
        const ref = line[key];
        if (ref !== null && typeof ref === 'object' && typeof (ref as FactorEntry).id === 'string')
          byId.set((ref as FactorEntry).id, ref as FactorEntry);
      }
    }
  };
  const body = record(report);
  visit(body.lines);
  for (const child of array(body.children)) visit(record(child).lines);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function lineKey(line: Record<string, unknown>): LineKey {
  return {
    carrier: String(line.carrier ?? ''),
    endUse: typeof line.endUse === 'string' ? line.endUse : null,
    scope: numberOrNull(line.scope),
    method: String(line.method ?? ''),
  };
}

function lineKeyText(line: unknown): string {
  const k = lineKey(record(line));
  return JSON.stringify([k.carrier, k.endUse, k.scope, k.method]);
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function array(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** Key order aside: a stored (canonical) body and a freshly computed one list their keys differently. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
