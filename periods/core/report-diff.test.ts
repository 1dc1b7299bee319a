import { describe, expect, it } from 'vitest';
import { closeRefusals } from './close-refusals.js';
import { factorEntriesOf, reportDiff } from './report-diff.js';

const factor = (id: string, value: number) => ({ id, value, unit: 'kgCO2/kWh', source: 'MEE' });
const line = (consumption: number, f = factor('ef-nw-2023', 0.5)) => ({
  carrier: 'electricity',
  endUse: '01000',
  scope: 2,
  method: 'location',
  consumption,
  co2eKg: consumption * f.value,
  factor: f,
  coalFactor: null,
  readings: { received: 744, expected: 744 },
});
const report = (consumption: number, reviews = 0, f = factor('ef-nw-2023', 0.5)) => ({
  methodologyVersion: 'm1',
  factorCatalogueVersion: 'c1',
  lines: [line(consumption, f)],
  totals: { kgce: consumption * 0.1229, co2eKg: consumption * f.value },
  reviews,
  completeness: 1,
  children: [{ org: { id: 'inst1' }, totals: { kgce: consumption * 0.1229 }, lines: [line(consumption, f)] }],
});

describe('the report diff', () => {
  it('is empty between equal reports, whatever their key order', () => {
    const diff = reportDiff({
      before: report(100),
      after: JSON.parse(JSON.stringify(report(100))) as unknown,
      leafChanges: [],
      factorsBefore: [],
      factorsAfter: [],
    });
    expect(diff).toEqual({ empty: true, lines: [], totals: [], children: [], reasons: [] });
  });

  it('names the line, the totals and the child that moved, by how much, and the meter-days behind it', () => {
    const diff = reportDiff({
      before: report(100),
      after: report(110),
      leafChanges: [{ meterId: 'e1', day: '2026-10-20', change: 'changed', before: null, after: null }],
      factorsBefore: factorEntriesOf(report(100)),
      factorsAfter: factorEntriesOf(report(110)),
    });
    expect(diff.empty).toBe(false);
    expect(diff.lines).toEqual([
      {
        carrier: 'electricity',
        endUse: '01000',
        scope: 2,
        method: 'location',
        change: 'changed',
        figures: [
          { field: 'consumption', before: 100, after: 110, delta: 10 },
          { field: 'co2eKg', before: 50, after: 55, delta: 5 },
        ],
      },
    ]);
    expect(diff.totals.map((f) => f.field)).toEqual(['co2eKg', 'kgce']);
    expect(diff.children.map((c) => [c.orgId, c.change])).toEqual([['inst1', 'changed']]);
    expect(diff.reasons).toEqual([
      { kind: 'late_readings', meterDays: [{ meterId: 'e1', day: '2026-10-20', change: 'changed' }] },
    ]);
  });

  it('says when a factor entry changed and when a review was resolved', () => {
    const newFactor = factor('ef-nw-2023', 0.55);
    const diff = reportDiff({
      before: report(100, 2),
      after: report(100, 0, newFactor),
      leafChanges: [],
      factorsBefore: factorEntriesOf(report(100, 2)),
      factorsAfter: factorEntriesOf(report(100, 0, newFactor)),
    });
    expect(diff.reasons.map((r) => r.kind)).toEqual(['factor_entry_changed', 'review_resolved']);
    expect(diff.reasons[0]).toMatchObject({ entries: [{ id: 'ef-nw-2023', change: 'changed' }] });
    expect(diff.totals.find((f) => f.field === 'reviews')).toEqual({
      field: 'reviews',
      before: 2,
      after: 0,
      delta: -2,
    });
  });
});

describe('closing refusals', () => {
  const base = {
    report: { inProgress: false, period: { to: '2026-10-31T16:00:00.000Z' }, completeness: 1, reviews: 0 },
  };
  const now = Date.parse('2026-11-05T00:00:00Z');
  it('none for a complete, reviewed, finished period', () => {
    expect(closeRefusals({ ...base, leafCount: 62, nowMs: now, completenessThreshold: 0.95 })).toEqual([]);
  });
  it('every reason at once, only the period not being over is not overridable', () => {
    const refusals = closeRefusals({
      report: { inProgress: true, period: { to: '2026-11-30T16:00:00.000Z' }, completeness: 0.5, reviews: 3 },
      leafCount: 0,
      nowMs: now,
      completenessThreshold: 0.95,
    });
    expect(refusals.map((r) => [r.code, r.overridable])).toEqual([
      ['period_not_over', false],
      ['no_readings', true],
      ['completeness_below_threshold', true],
      ['readings_await_review', true],
    ]);
  });
});

describe('the report diff of a moved data cut-off', () => {
  it('says so, even when no figure moved', () => {
    const diff = reportDiff({
      before: { ...report(100), dataCutoff: '2026-10-29T00:00:00.000Z' },
      after: { ...report(100), dataCutoff: '2026-10-31T16:00:00.000Z' },
      leafChanges: [],
      factorsBefore: [],
      factorsAfter: [],
    });
    expect(diff.empty).toBe(false);
    expect(diff.reasons).toEqual([
      { kind: 'data_cutoff_moved', before: '2026-10-29T00:00:00.000Z', after: '2026-10-31T16:00:00.000Z' },
    ]);
  });
});
