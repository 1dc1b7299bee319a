import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import { DEMO_CONFIG_FILE } from '../../config/index.js';
import { loadAppConfig } from '../../src/load-app-config.js';
import {
  buildCarbonReport,
  endUseItem,
  requiredChange,
  timeWeightedValue,
  type CarbonReport,
  type CarbonReportInput,
  type FactorCatalogue,
  type FactorEntry,
  type MeterPeriodFigures,
  type ReportInstitution,
  type ReportMeter,
} from './index.js';
import { periodRange } from '../../src/kernel/index.js';

const TZ = 'Asia/Shanghai';
const catalogue = readFactorCatalogue() as FactorCatalogue;
const october = periodRange('2026-10', TZ)!;
const year2026 = periodRange('2026', TZ)!;

const inst = (id: string, extra: Partial<ReportInstitution> = {}): ReportInstitution => ({
  id,
  name: id,
  orgId: 'county',
  type: 'school',
  timeZone: TZ,
  gridRegion: 'northwest',
  factorVariants: { natural_gas: 'gas-field' },
  floorAreaM2: [{ from: '2020-01-01', value: 1_000 }],
  occupants: [{ from: '2020-01-01', value: 100 }],
  ...extra,
});
const meter = (id: string, carrier: string, unit: string, extra: Partial<ReportMeter> = {}): ReportMeter => ({
  id,
  institutionId: 'i1',
  carrier,
  unit,
  ...extra,
});
const fig = (meterId: string, consumption: number, extra: Partial<MeterPeriodFigures> = {}): MeterPeriodFigures => ({
  meterId,
  consumption,
  estimatedAmount: 0,
  quarantinedAmount: 0,
  receivedReadings: 10,
  expectedReadings: 10,
  reviews: 0,
  ...extra,
});

function input(
  meters: ReportMeter[],
  figures: MeterPeriodFigures[],
  extra: Partial<CarbonReportInput> = {},
): CarbonReportInput {
  return {
    orgId: 'county',
    period: { label: '2026-10', fromMs: october.fromMs, toMs: october.toMs, timeZone: TZ },
    basis: 'equivalent',
    generatedAtMs: october.toMs + 3_600_000,
    dataCutoffMs: october.toMs,
    orgs: [{ id: 'county', name: '县', level: 'county', parentId: null }],
    institutions: [inst('i1')],
    meters,
    current: new Map(figures.map((f) => [f.meterId, f])),
    catalogue,
    methodologyVersion: 'test',
    ...extra,
  };
}
function ok(i: CarbonReportInput): CarbonReport {
  const result = buildCarbonReport(i);
  if ('error' in result) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.ok;
}
function err(i: CarbonReportInput) {
  const result = buildCarbonReport(i);
  if (!('error' in result)) throw new Error('expected an error');
  return result.error;
}

describe('buildCarbonReport: errors', () => {
  it('an unknown org is ORG_NOT_FOUND', () => {
    expect(err(input([], [], { orgId: 'nowhere' })).code).toBe('ORG_NOT_FOUND');
  });

  it("basis 'equal' without an equal-value entry is FACTOR_MISSING naming carrier, basis and year; with one it works", () => {
    const e = err(input([meter('e', 'electricity', 'kWh')], [fig('e', 100)], { basis: 'equal' }));
    expect(e.code).toBe('FACTOR_MISSING');
    expect(e.message).toMatch(/electricity/);
    expect(e.message).toMatch(/basis equal/);
    expect(e.message).toMatch(/2026/);
    const equal: FactorEntry = {
      id: 'test-equal-2026',
      kind: 'standard_coal',
      carrier: 'electricity',
      basis: 'equal',
      value: 0.3,
      unit: 'kgce/kWh',
      series: 'test',
      year: 2026,
      source: { publisher: 'test', document: 'test' },
      confidence: 'U',
    };
    const r = ok(
      input([meter('e', 'electricity', 'kWh')], [fig('e', 100)], {
        basis: 'equal',
        catalogue: { ...catalogue, entries: [...catalogue.entries, equal] },
      }),
    );
    expect(r.basisLabel).toBe('等价值');
    expect(r.lines[0]!.kgce).toBeCloseTo(30, 9);
  });

  it('an institution without a grid region cannot get a location-based factor: FACTOR_MISSING naming it', () => {
    const e = err(
      input([meter('e', 'electricity', 'kWh')], [fig('e', 100)], {
        institutions: [inst('i1', { gridRegion: undefined })],
      }),
    );
    expect(e.code).toBe('FACTOR_MISSING');
    expect(e.message).toMatch(/i1.*gridRegion/);
  });

  it('natural gas without a variant is FACTOR_AMBIGUOUS (never a silent pick)', () => {
    expect(
      err(
        input([meter('g', 'natural_gas', 'm3')], [fig('g', 10)], {
          institutions: [inst('i1', { factorVariants: {} })],
        }),
      ).code,
    ).toBe('FACTOR_AMBIGUOUS');
  });

  it('coal has no default CO2 factor: FACTOR_MISSING', () => {
    const e = err(input([meter('c', 'coal', 't')], [fig('c', 1)]));
    expect([e.code, /emission factor for coal/.test(e.message)]).toEqual(['FACTOR_MISSING', true]);
  });

  it('litres without a density entry: FACTOR_MISSING saying a density is needed', () => {
    const noDensity = { ...catalogue, entries: catalogue.entries.filter((e) => e.kind !== 'density') };
    const e = err(input([meter('d', 'gasoline', 'L')], [fig('d', 100)], { catalogue: noDensity }));
    expect(e.code).toBe('FACTOR_MISSING');
    expect(e.message).toMatch(/density/);
  });

  it('a quantity whose unit cannot take the factor is FACTOR_UNIT_MISMATCH', () => {
    expect(err(input([meter('e', 'electricity', 'm3')], [fig('e', 1)])).code).toBe('FACTOR_UNIT_MISMATCH');
  });
});

describe('buildCarbonReport: rules', () => {
  it('no double counting: sub-meters break a root down, they never add to it', () => {
    const r = ok(
      input(
        [
          meter('m', 'electricity', 'kWh'),
          meter('a', 'electricity', 'kWh', { parentId: 'm', endUse: '01A00' }),
          meter('b', 'electricity', 'kWh', { parentId: 'a', endUse: '01A10' }),
        ],
        [fig('m', 1_000), fig('a', 600), fig('b', 500)],
      ),
    );
    expect(r.lines[0]!.consumption).toBe(1_000);
    expect(r.totals.kgce).toBeCloseTo(122.9, 9);
    expect(r.endUses.map((e) => [e.kind, e.endUse, e.consumption])).toEqual([
      ['item', '01A00', 600],
      ['sub-item', '01A10', 500],
      ['unmetered', null, 400],
    ]);
    expect(r.subMetering.map((b) => [b.meterId, b.unmetered])).toEqual([
      ['m', 400],
      ['a', 100],
    ]);
  });

  it('kWh and MWh roots of one carrier add up in kWh (×1000 converted explicitly)', () => {
    const r = ok(
      input([meter('a', 'electricity', 'kWh'), meter('b', 'electricity', 'MWh')], [fig('a', 500), fig('b', 1.5)]),
    );
    expect(r.lines[0]!.consumption).toBe(2_000);
    expect(r.lines[0]!.co2eKg).toBeCloseTo(2_000 * 0.5543, 9);
  });

  it('water is a resource: no kgce, no CO2, outside 综合能耗', () => {
    const r = ok(input([meter('w', 'water', 't')], [fig('w', 50)]));
    expect(r.lines[0]).toMatchObject({
      carrier: 'water',
      unit: 'm3',
      consumption: 50,
      kgce: null,
      co2eKg: null,
      scope: null,
      method: 'resource',
    });
    expect(r.totals).toMatchObject({ kgce: 0, co2eKg: 0 });
    expect(r.waterM3).toBe(50);
  });

  it('LPG and gasoline are scope 1; heat is scope 2 with market = location', () => {
    const r = ok(
      input(
        [meter('l', 'lpg', 't'), meter('g', 'gasoline', 'kg'), meter('h', 'district_heat', 'GJ')],
        [fig('l', 0.5), fig('g', 100), fig('h', 10)],
      ),
    );
    expect(r.totals.scope1Kg).toBeCloseTo(500 * 3.1013 + 100 * 2.9251, 9);
    expect(r.totals.scope2LocationKg).toBeCloseTo(10 * 110, 9);
    expect(r.totals.scope2MarketKg).toBeCloseTo(10 * 110, 9);
    expect(r.totals.kgce).toBeCloseTo(500 * 1.7143 + 100 * 1.4714 + 10 * 34.12, 9);
  });

  it('market-based: an instrument is capped at the purchased kWh and an annual report takes the whole vintage', () => {
    const annual = { label: '2026', fromMs: year2026.fromMs, toMs: year2026.toMs, timeZone: TZ };
    const institutions = [
      inst('i1', {
        greenInstruments: [{ id: 'gc', kind: 'green_certificate', energyKwh: 5_000, vintageYear: 2026, retired: true }],
      }),
    ];
    const r = ok(input([meter('e', 'electricity', 'kWh')], [fig('e', 3_000)], { period: annual, institutions }));
    const market = r.lines.find((l) => l.method === 'market')!;
    expect([
      market.coveredKwh,
      market.co2eKg,
      market.instruments![0]!.allocatedKwh,
      market.instruments![0]!.appliedKwh,
    ]).toEqual([3_000, 0, 5_000, 3_000]);
    expect(r.totals.scope2MarketKg).toBe(0);
    expect(r.totals.scope2LocationKg).toBeCloseTo(3_000 * 0.5543, 9);
    expect(r.notes.some((n) => /capped/.test(n))).toBe(true);
  });

  it('PV is never a negative emission; PV behind no meter is unmetered use in the breakdown', () => {
    const r = ok(
      input(
        [
          meter('m', 'electricity', 'kWh'),
          meter('a', 'electricity', 'kWh', { parentId: 'm', endUse: '01C10' }),
          meter('pv', 'pv_generation', 'kWh'),
        ],
        [fig('m', 1_000), fig('a', 1_000), fig('pv', 200)],
      ),
    );
    const pv = r.lines.find((l) => l.carrier === 'pv_generation')!;
    expect([pv.co2eKg, pv.scope, pv.kgce]).toEqual([0, null, 200 * 0.1229]);
    expect(r.totals.co2eKg).toBeCloseTo(1_000 * 0.5543, 9);
    expect(r.endUses.map((e) => [e.kind, e.endUse, e.consumption])).toEqual([
      ['item', '01C00', 1_000],
      ['sub-item', '01C10', 1_000],
      ['unmetered', null, 200],
    ]);
  });

  it('children that read more than their parent are flagged in a note (negative imbalance)', () => {
    const r = ok(
      input(
        [meter('m', 'electricity', 'kWh'), meter('a', 'electricity', 'kWh', { parentId: 'm', endUse: '01A00' })],
        [fig('m', 100), fig('a', 120)],
      ),
    );
    expect(r.subMetering[0]!.imbalancePercent).toBeCloseTo(-20, 9);
    expect(r.notes.some((n) => /meter m: its child meters read 20 kWh more/.test(n))).toBe(true);
  });

  it('completeness counts at most the expected readings per meter; estimated share in the line unit', () => {
    const r = ok(
      input(
        [meter('a', 'electricity', 'kWh'), meter('b', 'electricity', 'MWh')],
        [
          fig('a', 1_000, { receivedReadings: 20, expectedReadings: 10 }),
          fig('b', 1, { receivedReadings: 5, estimatedAmount: 0.5 }),
        ],
      ),
    );
    expect(r.lines[0]!.readings).toEqual({ received: 15, expected: 20 });
    expect(r.lines[0]!.estimatedShare).toBeCloseTo(500 / 2_000, 9);
  });

  it('a meter without figures counts as 0, and the report says so', () => {
    const r = ok(input([meter('e', 'electricity', 'kWh')], []));
    expect(r.totals.kgce).toBe(0);
    expect(r.notes.some((n) => /no figures for meters e/.test(n))).toBe(true);
  });

  it('an institution id is a node too: its report has no children', () => {
    const r = ok(input([meter('e', 'electricity', 'kWh')], [fig('e', 10)], { orgId: 'i1' }));
    expect([r.org.kind, r.org.level, r.children]).toEqual(['institution', 'institution', []]);
  });

  it('an empty org unit reports zeros and no intensities, and does not fail', () => {
    const r = ok(input([], [], { institutions: [] }));
    expect([r.totals.kgce, r.intensity.kgcePerM2, r.institutionCount, r.lines]).toEqual([0, null, 0, []]);
  });

  it('no previous-year figures: the comparison is null with a reason', () => {
    const r = ok(input([meter('e', 'electricity', 'kWh')], [fig('e', 10)]));
    expect(r.comparisons.previousYear).toBeNull();
    expect(r.comparisons.previousYearReason).toMatch(/no figures/);
    expect(r.comparisons.previousYearReasonCode).toBe('not_supplied');
  });
});

describe('reports read right: completeness to date, comparisons without data', () => {
  const DAY = 86_400_000;
  const QUARTERS = 96;
  const month = (receivedDays: number) =>
    fig('e', 100, { receivedReadings: receivedDays * QUARTERS, expectedReadings: 31 * QUARTERS });

  it('a month in progress gives completeness for the whole month and to date', () => {
    // Generated on 11 October 00:00 local: 10 days elapsed, 9 of them received.
    const r = ok(input([meter('e', 'electricity', 'kWh')], [month(9)], { generatedAtMs: october.fromMs + 10 * DAY }));
    expect(r.inProgress).toBe(true);
    expect(r.completeness).toBeCloseTo(9 / 31, 12);
    expect(r.completenessToDate).toBeCloseTo(9 / 10, 12);
  });

  it("once the month has ended, completeness to date is the month's", () => {
    const r = ok(input([meter('e', 'electricity', 'kWh')], [month(30)]));
    expect([r.inProgress, r.completenessToDate]).toEqual([false, r.completeness]);
    const justStarted = ok(input([meter('e', 'electricity', 'kWh')], [month(0)], { generatedAtMs: october.fromMs }));
    expect([justStarted.inProgress, justStarted.completenessToDate]).toEqual([true, null]);
  });

  it('to date is capped at 1 and rolls up: Σ received over Σ expected so far', () => {
    const institutions = [inst('i1'), inst('i2')];
    const meters = [meter('e', 'electricity', 'kWh'), meter('f', 'electricity', 'kWh', { institutionId: 'i2' })];
    const figures = [month(10), fig('f', 100, { receivedReadings: 5 * QUARTERS, expectedReadings: 31 * QUARTERS })];
    const r = ok(input(meters, figures, { institutions, generatedAtMs: october.fromMs + 10 * DAY }));
    expect(r.completenessToDate).toBeCloseTo(15 / 20, 12);
    expect(r.children.map((c) => c.completenessToDate)).toEqual([1, 0.5]);
  });

  it('no readings in the same period last year: no comparison, a reason instead of zeros', () => {
    const previousYear = new Map([['e', fig('e', 0, { receivedReadings: 0 })]]);
    const r = ok(input([meter('e', 'electricity', 'kWh')], [fig('e', 100)], { previousYear }));
    expect(r.comparisons.previousYear).toBeNull();
    expect(r.comparisons.previousYearReasonCode).toBe('no_readings_last_year');
    expect(r.comparisons.previousYearReason).toMatch(/2025-10/);
  });

  it('a parent compares with last year only if every institution has readings then', () => {
    const institutions = [inst('i1'), inst('i2')];
    const meters = [meter('e', 'electricity', 'kWh'), meter('f', 'electricity', 'kWh', { institutionId: 'i2' })];
    const previousYear = new Map([
      ['e', fig('e', 90)],
      ['f', fig('f', 0, { receivedReadings: 0 })],
    ]);
    const r = ok(input(meters, [fig('e', 100), fig('f', 100)], { institutions, previousYear }));
    expect([r.comparisons.previousYear, r.comparisons.previousYearReasonCode]).toEqual([null, 'no_readings_last_year']);
    expect(r.children[0]!.comparisons.previousYear!.changePercent.kgce).toBeCloseTo((100 / 90 - 1) * 100, 9);
  });

  it('no readings in this period: no year-on-year, baseline or target comparison, never −100 %', () => {
    const annual = { label: '2026', fromMs: year2026.fromMs, toMs: year2026.toMs, timeZone: TZ };
    const targets = [{ indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 }] as const;
    const institutions = [inst('i1', { baseline: { year: 2020, kgcePerM2: 2.6 }, targets })];
    const silent = fig('e', 0, { receivedReadings: 0 });
    const previousYear = new Map([['e', fig('e', 90)]]);
    const r = ok(input([meter('e', 'electricity', 'kWh')], [silent], { period: annual, institutions, previousYear }));
    const c = r.comparisons;
    const gap = 'no_readings_this_period';
    expect([c.previousYear, c.previousYearReasonCode, c.baseline, c.baselineReasonCode]).toEqual([
      null,
      gap,
      null,
      gap,
    ]);
    expect(c.targets.map((t) => [t.onTrack, t.achievedChangePercent, t.reasonCode])).toEqual([[null, null, gap]]);
  });
});

describe('annual reports: denominators, baseline and targets', () => {
  const annual = { label: '2026', fromMs: year2026.fromMs, toMs: year2026.toMs, timeZone: TZ };

  it('area is time-weighted: 86 000 m² until 1 July, 92 500 after', () => {
    const area = timeWeightedValue(
      [
        { from: '2020-01-01', value: 86_000 },
        { from: '2026-07-01', value: 92_500 },
      ],
      year2026.fromMs,
      year2026.toMs,
      TZ,
    )!;
    expect(area).toBeCloseTo((181 * 86_000 + 184 * 92_500) / 365, 9);
    expect(timeWeightedValue([{ from: '2026-10-16', value: 1 }], october.fromMs, october.toMs, TZ)).toBeNull();
  });

  it('baseline change and a target on a linear trajectory', () => {
    // 1 000 m², 20 000 kWh × 0.1229 = 2 458 kgce → 2.458 kgce/m²·a against 2.6 in 2020.
    const institutions = [
      inst('i1', {
        baseline: { year: 2020, kgcePerM2: 2.6 },
        targets: [
          { indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 },
          { indicator: 'kgcePerM2', changePercent: -10, byYear: 2030 },
        ],
      }),
    ];
    const r = ok(input([meter('e', 'electricity', 'kWh')], [fig('e', 20_000)], { period: annual, institutions }));
    const change = ((2.458 - 2.6) / 2.6) * 100;
    expect(r.comparisons.baseline!.indicators).toHaveLength(1);
    expect(r.comparisons.baseline!.indicators[0]!.changePercent).toBeCloseTo(change, 9);
    const [t2025, t2030] = r.comparisons.targets;
    expect([t2025!.requiredChangePercent, t2025!.onTrack]).toEqual([-5, true]);
    expect(t2030!.requiredChangePercent).toBeCloseTo(-6, 9);
    expect(t2030!.onTrack).toBe(false);
  });

  it('a parent baseline is weighted by the current denominators, only where every institution has one', () => {
    const institutions = [
      inst('i1', {
        baseline: { year: 2020, kgcePerM2: 2 },
        targets: [{ indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 }],
      }),
      inst('i2', {
        floorAreaM2: [{ from: '2020-01-01', value: 3_000 }],
        baseline: { year: 2020, kgcePerM2: 4, kgcePerPerson: 1 },
        targets: [{ indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 }],
      }),
    ];
    const meters = [meter('a', 'electricity', 'kWh'), meter('b', 'electricity', 'kWh', { institutionId: 'i2' })];
    const r = ok(input(meters, [fig('a', 10_000), fig('b', 10_000)], { period: annual, institutions }));
    expect(r.comparisons.baseline!.indicators.map((i) => [i.indicator, i.baseline])).toEqual([
      ['kgcePerM2', (2 * 1_000 + 4 * 3_000) / 4_000],
    ]);
    expect(r.comparisons.targets).toHaveLength(1);
  });

  it('requiredChange is linear from the baseline year, constant after the target year', () => {
    const target = { indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 } as const;
    expect([
      requiredChange(target, 2020, 2020),
      requiredChange(target, 2020, 2023),
      requiredChange(target, 2020, 2026),
    ]).toEqual([-0, -3, -5]);
  });
});

describe('endUseItem', () => {
  it('reads the item and sub-item of a 分项 code', () => {
    expect(endUseItem('01A00')).toEqual({ item: '01A00', subItem: null });
    expect(endUseItem('01B')).toEqual({ item: '01B00', subItem: null });
    expect(endUseItem('01B2')).toEqual({ item: '01B00', subItem: '01B20' });
    expect(endUseItem('01D30')).toEqual({ item: '01D00', subItem: '01D30' });
    expect([endUseItem('01000'), endUseItem('02000'), endUseItem('03A00'), endUseItem(undefined)]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('the demo fleet', () => {
  it('reports for the region, annual and monthly, without a factor error, with its certificate and baseline', () => {
    const { fleet } = loadAppConfig(DEMO_CONFIG_FILE, {});
    const institutionOfBuilding = new Map(fleet.buildings.map((b) => [b.id, b.institution]));
    const meters: ReportMeter[] = fleet.meters.map((m) => ({
      id: m.id,
      name: m.name,
      institutionId: institutionOfBuilding.get(m.building)!,
      carrier: m.carrier,
      unit: m.unit,
      endUse: m.endUse,
      parentId: m.parent,
      behindMeterId: m.behindMeter,
    }));
    const figures = fleet.meters.map((m) => fig(m.id, m.parent === undefined ? 1_000_000 : 100_000));
    const base: Partial<CarbonReportInput> = {
      orgId: 'nx',
      orgs: fleet.orgs.map((o) => ({ id: o.id, name: o.name, level: o.level, parentId: o.parent ?? null })),
      institutions: fleet.institutions.map((i) => ({ ...i, orgId: i.org, timeZone: i.timezone })),
      previousYear: new Map(figures.map((f) => [f.meterId, f])),
    };
    const annual = ok(
      input(meters, figures, {
        ...base,
        period: { label: '2026', fromMs: year2026.fromMs, toMs: year2026.toMs, timeZone: TZ },
      }),
    );
    expect(annual.institutionCount).toBe(3);
    expect(annual.lines.find((l) => l.method === 'market')!.coveredKwh).toBe(500_000);
    const gov = ok(
      input(meters, figures, {
        ...base,
        orgId: 'yc-gov',
        period: { label: '2026', fromMs: year2026.fromMs, toMs: year2026.toMs, timeZone: TZ },
      }),
    );
    expect(gov.comparisons.baseline!.indicators.map((i) => i.indicator)).toEqual([
      'kgcePerM2',
      'kgcePerPerson',
      'waterM3PerPerson',
    ]);
    expect(gov.comparisons.targets.map((t) => [t.indicator, t.byYear])).toEqual([
      ['kgcePerM2', 2025],
      ['kgcePerPerson', 2025],
      ['waterM3PerPerson', 2025],
      ['kgcePerM2', 2026],
    ]);
    const monthly = ok(input(meters, figures, base));
    expect(monthly.children.map((c) => c.org.id)).toEqual(['nx-yinchuan', 'nx-wuzhong']);
    expect(new Set(monthly.lines.map((l) => l.carrier))).toEqual(
      new Set(['electricity', 'pv_generation', 'district_heat', 'natural_gas', 'diesel', 'water']),
    );
  });
});
