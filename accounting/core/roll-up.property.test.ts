import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import {
  buildCarbonReport,
  type CarbonReport,
  type CarbonReportInput,
  type FactorCatalogue,
  type MeterPeriodFigures,
  type ReportInstitution,
  type ReportMeter,
  type ReportOrg,
} from './index.js';
import { periodRange } from '../../src/kernel/index.js';

/**
 * The roll-up law over random trees and figures: a parent's figures are the sum
 * of its children's (exactly, as printed), its intensities are Σ numerators /
 * Σ denominators, and the totals agree with a flat sum over its institutions.
 */

const TZ = 'Asia/Shanghai';
const catalogue = readFactorCatalogue() as FactorCatalogue;
const october = periodRange('2026-10', TZ)!;
const REGIONS = ['northwest', 'national', 'east'] as const;

const treeArb = fc
  .record({
    // parent index of each org below the root: org k (k ≥ 1) hangs under an earlier org
    orgParents: fc.array(fc.nat(), { maxLength: 6 }),
    institutions: fc.array(
      fc.record({
        org: fc.nat(),
        region: fc.constantFrom(...REGIONS),
        area: fc.integer({ min: 100, max: 100_000 }),
        occupants: fc.integer({ min: 1, max: 5_000 }),
        electricityKwh: fc.double({ min: 0, max: 1e6, noNaN: true }),
        subShare: fc.double({ min: 0, max: 1, noNaN: true }),
        waterM3: fc.option(fc.double({ min: 0, max: 1e5, noNaN: true }), { nil: undefined }),
        gasM3: fc.option(fc.double({ min: 0, max: 1e5, noNaN: true }), { nil: undefined }),
        heatGj: fc.option(fc.double({ min: 0, max: 1e4, noNaN: true }), { nil: undefined }),
        pvKwh: fc.option(fc.double({ min: 0, max: 1e5, noNaN: true }), { nil: undefined }),
        certificateKwh: fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: undefined }),
        received: fc.nat({ max: 3_000 }),
      }),
      { maxLength: 8 },
    ),
  })
  .map(({ orgParents, institutions }) => {
    const orgs: ReportOrg[] = [{ id: 'o0', name: 'root', level: 'region', parentId: null }];
    orgParents.forEach((p, k) =>
      orgs.push({ id: `o${k + 1}`, name: `org ${k + 1}`, level: 'county', parentId: `o${p % (k + 1)}` }),
    );
    const meters: ReportMeter[] = [];
    const figures: MeterPeriodFigures[] = [];
    const insts: ReportInstitution[] = institutions.map((x, i) => {
      const id = `i${i}`;
      const add = (
        meterId: string,
        carrier: string,
        unit: string,
        consumption: number,
        extra: Partial<ReportMeter> = {},
      ) => {
        meters.push({ id: meterId, institutionId: id, carrier, unit, ...extra });
        figures.push({
          meterId,
          consumption,
          estimatedAmount: consumption / 10,
          quarantinedAmount: 0,
          receivedReadings: x.received,
          expectedReadings: 2_976,
          reviews: x.received % 2,
        });
      };
      add(`${id}-e`, 'electricity', 'kWh', x.electricityKwh, { endUse: '01000' });
      add(`${id}-e-a`, 'electricity', 'kWh', x.electricityKwh * x.subShare, { endUse: '01A10', parentId: `${id}-e` });
      if (x.waterM3 !== undefined) add(`${id}-w`, 'water', 'm3', x.waterM3);
      if (x.gasM3 !== undefined) add(`${id}-g`, 'natural_gas', 'm3', x.gasM3);
      if (x.heatGj !== undefined) add(`${id}-h`, 'district_heat', 'GJ', x.heatGj);
      if (x.pvKwh !== undefined) add(`${id}-pv`, 'pv_generation', 'kWh', x.pvKwh, { behindMeterId: `${id}-e` });
      return {
        id,
        name: id,
        orgId: `o${x.org % orgs.length}`,
        type: 'school',
        timeZone: TZ,
        gridRegion: x.region,
        factorVariants: { natural_gas: 'oil-field' },
        floorAreaM2: [{ from: '2020-01-01', value: x.area }],
        occupants: [{ from: '2020-01-01', value: x.occupants }],
        greenInstruments:
          x.certificateKwh === undefined
            ? []
            : [
                {
                  id: `${id}-gc`,
                  kind: 'green_certificate',
                  energyKwh: x.certificateKwh,
                  vintageYear: 2026,
                  retired: true,
                },
              ],
      } satisfies ReportInstitution;
    });
    return { orgs, institutions: insts, meters, figures };
  });

function build(
  tree: { orgs: ReportOrg[]; institutions: ReportInstitution[]; meters: ReportMeter[]; figures: MeterPeriodFigures[] },
  orgId: string,
): CarbonReport {
  const input: CarbonReportInput = {
    orgId,
    period: { label: '2026-10', fromMs: october.fromMs, toMs: october.toMs, timeZone: TZ },
    basis: 'equivalent',
    generatedAtMs: october.toMs,
    dataCutoffMs: october.toMs,
    orgs: tree.orgs,
    institutions: tree.institutions,
    meters: tree.meters,
    current: new Map(tree.figures.map((f) => [f.meterId, f])),
    catalogue,
    methodologyVersion: 'property',
  };
  const result = buildCarbonReport(input);
  if ('error' in result) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.ok;
}

const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

describe('roll-up law (fast-check)', () => {
  it('every parent equals Σ its children; intensities are Σ numerators / Σ denominators', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        for (const org of tree.orgs) {
          const report = build(tree, org.id);
          const sum = (pick: (c: CarbonReport['children'][number]) => number) =>
            report.children.reduce((s, c) => s + pick(c), 0);
          // Exact: the parent's figures ARE the fold over its children.
          expect(report.totals.kgce).toBe(sum((c) => c.totals.kgce));
          expect(report.totals.co2eKg).toBe(sum((c) => c.totals.co2eKg));
          expect(report.totals.scope1Kg).toBe(sum((c) => c.totals.scope1Kg));
          expect(report.totals.scope2LocationKg).toBe(sum((c) => c.totals.scope2LocationKg));
          expect(report.totals.scope2MarketKg).toBe(sum((c) => c.totals.scope2MarketKg));
          expect(report.waterM3).toBe(sum((c) => c.waterM3));
          expect(report.reviews).toBe(sum((c) => c.reviews));
          expect(report.institutionCount).toBe(sum((c) => c.institutionCount));
          expect(report.denominators.floorAreaM2).toBe(sum((c) => c.denominators.floorAreaM2 ?? Number.NaN));
          expect(report.readings.received).toBe(sum((c) => c.readings.received));
          const area = report.denominators.floorAreaM2!;
          const people = report.denominators.occupants!;
          expect(report.intensity.kgcePerM2).toBe(area === 0 ? null : report.totals.kgce / area);
          expect(report.intensity.kgcePerPerson).toBe(people === 0 ? null : report.totals.kgce / people);
          expect(report.intensity.waterM3PerPerson).toBe(people === 0 ? null : report.waterM3 / people);
          expect(report.intensity.co2eKgPerM2).toBe(area === 0 ? null : report.totals.co2eKg / area);

          // The lines and the 分项 rows agree with the totals (to rounding: they sum in another order).
          const lineSum = (
            pick: (l: CarbonReport['lines'][number]) => number | null,
            keep: (l: CarbonReport['lines'][number]) => boolean,
          ) => report.lines.filter(keep).reduce((s, l) => s + (pick(l) ?? 0), 0);
          close(
            lineSum(
              (l) => l.kgce,
              () => true,
            ),
            report.totals.kgce,
          );
          close(
            lineSum(
              (l) => l.co2eKg,
              (l) => l.scope === 1,
            ),
            report.totals.scope1Kg,
          );
          close(
            lineSum(
              (l) => l.co2eKg,
              (l) => l.scope === 2 && l.method === 'location',
            ),
            report.totals.scope2LocationKg,
          );
          const electricityUse = lineSum(
            (l) => l.consumption,
            (l) => (l.carrier === 'electricity' && l.method === 'location') || l.carrier === 'pv_generation',
          );
          const partition = report.endUses
            .filter((e) => e.carrier === 'electricity' && e.kind !== 'sub-item')
            .reduce((s, e) => s + e.consumption, 0);
          close(partition, electricityUse);
          expect(report.totals.scope2MarketKg).toBeLessThanOrEqual(report.totals.scope2LocationKg + 1e-6);
          report.lines.forEach((l) => {
            if (l.completeness !== null) expect(l.completeness).toBeLessThanOrEqual(1);
            if (l.co2eKg !== null) expect(l.co2eKg).toBeGreaterThanOrEqual(0);
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the root equals a flat sum over all institutions, whatever the tree in between', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        const root = build(tree, 'o0');
        // Institutions under an org that is not reachable from o0 cannot exist: every org descends from o0.
        const flat = tree.institutions.map((i) => build(tree, i.id));
        close(
          root.totals.kgce,
          flat.reduce((s, r) => s + r.totals.kgce, 0),
        );
        close(
          root.totals.co2eKg,
          flat.reduce((s, r) => s + r.totals.co2eKg, 0),
        );
        close(
          root.totals.scope2MarketKg,
          flat.reduce((s, r) => s + r.totals.scope2MarketKg, 0),
        );
        close(
          root.waterM3,
          flat.reduce((s, r) => s + r.waterM3, 0),
        );
        expect(root.institutionCount).toBe(tree.institutions.length);
      }),
      { numRuns: 60 },
    );
  });
});
