import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import {
  buildCarbonReport,
  carbonReportCsv,
  computeConsumption,
  type CarbonReport,
  type CarbonReportInput,
  type MeterPeriodFigures,
  type MeterSpec,
  type RegisterReading,
  type ReportInstitution,
  type ReportLine,
  type ReportMeter,
} from './index.js';
import { periodRange } from '../../src/kernel/index.js';

/**
 * tests/fixtures/golden-report.md, reproduced by the engine: every figure of the
 * document. The school's main meters are the golden month's E1, W1 and G1
 * (tests/fixtures/golden-month.md), computed here from their readings by the
 * consumption core, so the two fixtures form one chain: readings → consumption →
 * report.
 */

const TZ = 'Asia/Shanghai';
const october = periodRange('2026-10', TZ)!;
const local = (text: string) => Date.parse(`2026-${text}:00+08:00`);
const readings = (points: Array<[string, number]>): RegisterReading[] =>
  points.map(([t, value]) => ({ tsMs: local(t), value }));
const daily = { register: 'cumulative', multiplier: 1, expectedIntervalMinutes: 1440, replacements: [] } as const;

/** The golden month's meters and readings (same as golden-month.test.ts), late reading included. */
const GOLDEN_MONTH: Array<[MeterSpec, RegisterReading[]]> = [
  [
    { ...daily, id: 'E1', registerMax: 99_999, ratedMaxPerHour: 500 },
    readings([
      ['10-01T00:00', 99_200],
      ['10-02T00:00', 99_800],
      ['10-03T00:00', 400],
      ['10-04T00:00', 1_000],
      ['10-10T00:00', 4_600],
      ['10-11T00:00', 4_900],
      ['10-11T00:15', 0],
      ['10-12T00:00', 5_500],
      ['11-01T00:00', 17_500],
    ]),
  ],
  [
    { ...daily, id: 'W1', replacements: [{ atMs: local('10-20T10:00'), oldFinal: 1_402, newInitial: 0 }] },
    readings([
      ['10-01T00:00', 1_200],
      ['10-15T00:00', 1_350],
      ['11-01T00:00', 95],
    ]),
  ],
  [
    { ...daily, id: 'G1', ratedMaxPerHour: 20 },
    readings([
      ['10-01T00:00', 5_000],
      ['10-16T00:00', 5_400],
      ['10-16T01:00', 9_400],
      ['11-01T00:00', 9_700],
    ]),
  ],
];

function monthFigures(meter: MeterSpec, points: RegisterReading[]): MeterPeriodFigures {
  const result = computeConsumption(meter, points, [october.fromMs, october.toMs]);
  const bucket = result.buckets[0]!;
  return {
    meterId: meter.id,
    consumption: bucket.consumption,
    estimatedAmount: bucket.estimatedAmount,
    quarantinedAmount: bucket.quarantinedAmount,
    receivedReadings: bucket.receivedReadings,
    expectedReadings: bucket.expectedReadings,
    reviews: result.reviews.length,
  };
}

const Q = 2_976; // 31 days × 96 quarter hours
const fig = (meterId: string, consumption: number, extra: Partial<MeterPeriodFigures> = {}): MeterPeriodFigures => ({
  meterId,
  consumption,
  estimatedAmount: 0,
  quarantinedAmount: 0,
  receivedReadings: Q,
  expectedReadings: Q,
  reviews: 0,
  ...extra,
});

const GOLDEN_METERS: ReportMeter[] = [
  { id: 'E1', name: '学校总进线', institutionId: 'g-school', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
  {
    id: 'E1-light',
    name: '教学楼照明插座',
    institutionId: 'g-school',
    carrier: 'electricity',
    unit: 'kWh',
    endUse: '01A10',
    parentId: 'E1',
  },
  {
    id: 'E1-hvac',
    name: '报告厅空调末端',
    institutionId: 'g-school',
    carrier: 'electricity',
    unit: 'kWh',
    endUse: '01B20',
    parentId: 'E1',
  },
  { id: 'W1', institutionId: 'g-school', carrier: 'water', unit: 'm3', endUse: '02000' },
  { id: 'G1', institutionId: 'g-school', carrier: 'natural_gas', unit: 'm3', endUse: '03A00' },
  { id: 'H-E', name: '医院总进线', institutionId: 'g-hospital', carrier: 'electricity', unit: 'MWh', endUse: '01000' },
  {
    id: 'H-E-light',
    institutionId: 'g-hospital',
    carrier: 'electricity',
    unit: 'kWh',
    endUse: '01A00',
    parentId: 'H-E',
  },
  { id: 'H-E-it', institutionId: 'g-hospital', carrier: 'electricity', unit: 'kWh', endUse: '01D10', parentId: 'H-E' },
  { id: 'H-PV', institutionId: 'g-hospital', carrier: 'pv_generation', unit: 'kWh', behindMeterId: 'H-E' },
  { id: 'H-heat', institutionId: 'g-hospital', carrier: 'district_heat', unit: 'MWh' },
  { id: 'H-diesel', institutionId: 'g-hospital', carrier: 'diesel', unit: 'L' },
  { id: 'H-W', institutionId: 'g-hospital', carrier: 'water', unit: 'm3', endUse: '02000' },
];

const GOLDEN_INSTITUTIONS: ReportInstitution[] = [
  {
    id: 'g-school',
    name: '金城实验学校',
    orgId: 'g-county-a',
    type: 'school',
    timeZone: TZ,
    gridRegion: 'northwest',
    factorVariants: { natural_gas: 'gas-field' },
    floorAreaM2: [{ from: '2019-09-01', value: 20_000 }],
    occupants: [
      { from: '2019-09-01', value: 1_500 },
      { from: '2026-10-16', value: 1_810 },
    ],
    baseline: { year: 2020, kgcePerM2: 18.48 },
    targets: [{ indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 }],
  },
  {
    id: 'g-hospital',
    name: '金城人民医院',
    orgId: 'g-county-b',
    type: 'hospital',
    timeZone: TZ,
    gridRegion: 'northwest',
    floorAreaM2: [{ from: '2018-01-01', value: 30_000 }],
    occupants: [{ from: '2018-01-01', value: 900 }],
    greenInstruments: [
      {
        id: 'GC-2026',
        kind: 'green_certificate',
        energyKwh: 73_000,
        vintageYear: 2026,
        retired: true,
        retiredOn: '2026-09-30',
      },
      {
        id: 'GC-2025',
        kind: 'green_certificate',
        energyKwh: 36_500,
        vintageYear: 2025,
        retired: true,
        retiredOn: '2025-12-20',
      },
      { id: 'GPC-2026', kind: 'green_power_contract', energyKwh: 20_000, vintageYear: 2026, retired: false },
    ],
  },
];

const current = new Map<string, MeterPeriodFigures>(
  [
    ...GOLDEN_MONTH.map(([meter, points]) => monthFigures(meter, points)),
    fig('E1-light', 10_980),
    fig('E1-hvac', 5_490),
    fig('H-E', 52.4),
    fig('H-E-light', 24_000),
    fig('H-E-it', 26_400, { receivedReadings: 2_900 }),
    fig('H-PV', 3_600),
    fig('H-heat', 100, { estimatedAmount: 12, receivedReadings: 2_790 }),
    fig('H-diesel', 500),
    fig('H-W', 1_850, { receivedReadings: 3_000 }),
  ].map((f) => [f.meterId, f]),
);

const previousYear = new Map<string, MeterPeriodFigures>(
  [
    fig('E1', 20_000),
    fig('E1-light', 12_000),
    fig('E1-hvac', 6_000),
    fig('W1', 310),
    fig('G1', 650),
    fig('H-E', 50),
    fig('H-E-light', 23_000),
    fig('H-E-it', 25_000),
    fig('H-PV', 3_000),
    fig('H-heat', 90),
    fig('H-diesel', 400),
    fig('H-W', 1_900),
  ].map((f) => [f.meterId, f]),
);

const goldenInput = (overrides: Partial<CarbonReportInput> = {}): CarbonReportInput => ({
  orgId: 'g-city',
  period: { label: '2026-10', fromMs: october.fromMs, toMs: october.toMs, timeZone: TZ },
  basis: 'equivalent',
  generatedAtMs: Date.parse('2026-11-02T01:00:00Z'),
  dataCutoffMs: Date.parse('2026-11-02T00:00:00Z'),
  orgs: [
    { id: 'g-city', name: '金城市', level: 'city', parentId: null },
    { id: 'g-county-a', name: '东区', level: 'county', parentId: 'g-city' },
    { id: 'g-county-b', name: '西县', level: 'county', parentId: 'g-city' },
  ],
  institutions: GOLDEN_INSTITUTIONS,
  meters: GOLDEN_METERS,
  current,
  previousYear,
  catalogue: readFactorCatalogue(),
  methodologyVersion: 'tanhe-carbon-1',
  ...overrides,
});

function report(overrides: Partial<CarbonReportInput> = {}): CarbonReport {
  const result = buildCarbonReport(goldenInput(overrides));
  if ('error' in result) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.ok;
}

const D = 9;
const line = (r: { lines: readonly ReportLine[] }, carrier: string, method: string) => {
  const found = r.lines.filter((l) => l.carrier === carrier && l.method === method);
  expect(found, `${carrier} ${method}`).toHaveLength(1);
  return found[0]!;
};
const child = (r: CarbonReport, id: string) => r.children.find((c) => c.org.id === id)!;

describe('golden report, October 2026 (tests/fixtures/golden-report.md)', () => {
  const city = report();
  const school = report({ orgId: 'g-school' });
  const hospital = report({ orgId: 'g-hospital' });

  it('§1 header', () => {
    expect(city.org).toEqual({ id: 'g-city', name: '金城市', level: 'city', kind: 'org', type: null });
    expect(city.period).toEqual({ label: '2026-10', from: '2026-09-30T16:00:00.000Z', to: '2026-10-31T16:00:00.000Z' });
    expect([city.timezone, city.basis, city.basisLabel, city.generatedAt, city.dataCutoff]).toEqual([
      TZ,
      'equivalent',
      '当量值',
      '2026-11-02T01:00:00.000Z',
      '2026-11-02T00:00:00.000Z',
    ]);
    expect([city.methodologyVersion, city.factorCatalogueVersion]).toEqual(['tanhe-carbon-1', '2026.1']);
    expect(city.institutionCount).toBe(2);
  });

  it('§2 school lines: the golden month chained through', () => {
    const e = line(school, 'electricity', 'location');
    expect([e.consumption, e.unit, e.scope, e.endUse]).toEqual([18_300, 'kWh', 2, '01000']);
    expect(e.kgce).toBeCloseTo(2_249.07, D);
    expect(e.co2eKg).toBeCloseTo(10_143.69, D);
    expect([
      e.coalFactor?.id,
      e.factor?.id,
      e.factor?.year,
      e.factor?.region,
      e.factor?.fallback?.requestedYear,
    ]).toEqual(['gbt2589-electricity-equivalent', 'mee-grid-2023-northwest', 2023, 'northwest', 2026]);
    expect(e.meterIds).toEqual(['E1']);
    expect(e.readings).toEqual({ received: 8, expected: 31 });
    expect(e.completeness).toBeCloseTo(8 / 31, D);
    expect(e.estimatedShare).toBe(0);
    const m = line(school, 'electricity', 'market (no instruments: equals location)');
    expect([m.kgce, m.coveredKwh, m.instruments]).toEqual([null, 0, []]);
    expect(m.co2eKg).toBeCloseTo(10_143.69, D);
    const g = line(school, 'natural_gas', 'combustion');
    expect([g.consumption, g.scope, g.coalFactor?.id, g.factor?.id, g.quarantinedAmount]).toEqual([
      700,
      1,
      'gbt2589-natural-gas-gas-field',
      'ndrc-natural-gas',
      4_000,
    ]);
    expect(g.kgce).toBeCloseTo(850.01, D);
    expect(g.co2eKg).toBeCloseTo(1_515.5, D);
    expect(g.readings).toEqual({ received: 3, expected: 31 });
    const w = line(school, 'water', 'resource');
    expect([w.consumption, w.unit, w.scope, w.kgce, w.co2eKg, w.factor, w.coalFactor]).toEqual([
      297,
      'm3',
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(school.lines).toHaveLength(4);
    expect(school.reviews).toBe(1);
  });

  it('§2 school totals and intensities (occupants time-weighted: 1 660)', () => {
    expect(school.totals.kgce).toBeCloseTo(3_099.08, D);
    expect(school.totals.tce).toBeCloseTo(3.09908, D);
    expect(school.totals.scope1Kg).toBeCloseTo(1_515.5, D);
    expect(school.totals.scope2LocationKg).toBeCloseTo(10_143.69, D);
    expect(school.totals.scope2MarketKg).toBeCloseTo(10_143.69, D);
    expect(school.totals.co2eKg).toBeCloseTo(11_659.19, D);
    expect(school.waterM3).toBe(297);
    expect(school.denominators.floorAreaM2).toBe(20_000);
    expect(school.denominators.occupants).toBeCloseTo(1_660, D);
    expect(school.intensity.kgcePerM2).toBeCloseTo(0.154954, D);
    expect(school.intensity.kgcePerPerson).toBeCloseTo(3_099.08 / 1_660, D);
    expect(school.intensity.waterM3PerPerson).toBeCloseTo(297 / 1_660, D);
    expect(school.intensity.co2eKgPerM2).toBeCloseTo(0.5829595, D);
  });

  it('§3 hospital lines: MWh, PV behind the main meter, heat in MWh, diesel in litres, a green certificate', () => {
    const e = line(hospital, 'electricity', 'location');
    expect([e.consumption, e.unit]).toEqual([52_400, 'kWh']);
    expect(e.kgce).toBeCloseTo(6_439.96, D);
    expect(e.co2eKg).toBeCloseTo(29_045.32, D);
    const pv = line(hospital, 'pv_generation', 'on-site renewable');
    expect([pv.consumption, pv.scope, pv.co2eKg, pv.factor, pv.coalFactor?.id]).toEqual([
      3_600,
      null,
      0,
      null,
      'gbt2589-electricity-equivalent',
    ]);
    expect(pv.kgce).toBeCloseTo(442.44, D);
    const m = line(hospital, 'electricity', 'market');
    expect(m.coveredKwh).toBeCloseTo(6_200, D);
    expect(m.instruments).toHaveLength(1);
    expect(m.instruments![0]).toMatchObject({ id: 'GC-2026', energyKwh: 73_000 });
    expect(m.instruments![0]!.allocatedKwh).toBeCloseTo(6_200, D);
    expect(m.instruments![0]!.appliedKwh).toBeCloseTo(6_200, D);
    expect(m.co2eKg).toBeCloseTo(25_608.66, D);
    const h = line(hospital, 'district_heat', 'location');
    expect([h.unit, h.scope, h.coalFactor?.id, h.factor?.id]).toEqual([
      'GJ',
      2,
      'gbt2589-district-heat',
      'ndrc-purchased-heat',
    ]);
    expect(h.consumption).toBeCloseTo(360, D);
    expect(h.kgce).toBeCloseTo(12_283.2, D);
    expect(h.co2eKg).toBeCloseTo(39_600, D);
    expect(h.estimatedShare).toBeCloseTo(0.12, D);
    expect(h.completeness).toBeCloseTo(0.9375, D);
    const d = line(hospital, 'diesel', 'combustion');
    expect([d.consumption, d.unit, d.scope, d.densityFactor?.id, d.coalFactor?.id, d.factor?.id]).toEqual([
      500,
      'L',
      1,
      'density-diesel',
      'gbt2589-diesel',
      'ndrc-diesel',
    ]);
    expect(d.massKg).toBeCloseTo(420, D);
    expect(d.kgce).toBeCloseTo(611.982, D);
    expect(d.co2eKg).toBeCloseTo(1_300.278, D);
    const w = line(hospital, 'water', 'resource');
    expect([w.consumption, w.readings, w.completeness]).toEqual([1_850, { received: Q, expected: Q }, 1]);
    expect(hospital.lines).toHaveLength(6);
  });

  it('§3 hospital totals and intensities', () => {
    expect(hospital.totals.kgce).toBeCloseTo(19_777.582, D);
    expect(hospital.totals.scope1Kg).toBeCloseTo(1_300.278, D);
    expect(hospital.totals.scope2LocationKg).toBeCloseTo(68_645.32, D);
    expect(hospital.totals.scope2MarketKg).toBeCloseTo(65_208.66, D);
    expect(hospital.totals.co2eKg).toBeCloseTo(69_945.598, D);
    expect(hospital.waterM3).toBe(1_850);
    expect(hospital.intensity.kgcePerM2).toBeCloseTo(19_777.582 / 30_000, D);
    expect(hospital.intensity.kgcePerPerson).toBeCloseTo(19_777.582 / 900, D);
    expect(hospital.intensity.waterM3PerPerson).toBeCloseTo(1_850 / 900, D);
    expect(hospital.intensity.co2eKgPerM2).toBeCloseTo(69_945.598 / 30_000, D);
  });

  it('§4 sub-metering balance and 分项', () => {
    const [e1, he] = [school.subMetering[0]!, hospital.subMetering[0]!];
    expect(school.subMetering).toHaveLength(1);
    expect(e1).toMatchObject({
      meterId: 'E1',
      parentConsumption: 18_300,
      pvBehind: 0,
      childrenConsumption: 16_470,
      unmetered: 1_830,
      childMeterIds: ['E1-light', 'E1-hvac'],
    });
    expect(e1.imbalancePercent).toBeCloseTo(10, D);
    expect(he).toMatchObject({ meterId: 'H-E', pvBehind: 3_600, childrenConsumption: 50_400 });
    expect(he.parentConsumption).toBeCloseTo(52_400, D);
    expect(he.unmetered).toBeCloseTo(5_600, D);
    expect(he.imbalancePercent).toBeCloseTo(10, D);
    const rows = (r: CarbonReport) =>
      r.endUses.map((e) => [e.carrier, e.kind, e.endUse, Math.round(e.consumption * 1e6) / 1e6]);
    expect(rows(school)).toEqual([
      ['electricity', 'item', '01A00', 10_980],
      ['electricity', 'sub-item', '01A10', 10_980],
      ['electricity', 'item', '01B00', 5_490],
      ['electricity', 'sub-item', '01B20', 5_490],
      ['electricity', 'unmetered', null, 1_830],
    ]);
    expect(rows(hospital)).toEqual([
      ['electricity', 'item', '01A00', 24_000],
      ['electricity', 'item', '01D00', 26_400],
      ['electricity', 'sub-item', '01D10', 26_400],
      ['electricity', 'unmetered', null, 5_600],
    ]);
    expect(rows(city)).toEqual([
      ['electricity', 'item', '01A00', 34_980],
      ['electricity', 'sub-item', '01A10', 10_980],
      ['electricity', 'item', '01B00', 5_490],
      ['electricity', 'sub-item', '01B20', 5_490],
      ['electricity', 'item', '01D00', 26_400],
      ['electricity', 'sub-item', '01D10', 26_400],
      ['electricity', 'unmetered', null, 7_430],
    ]);
    expect(city.subMetering.map((b) => b.meterId)).toEqual(['E1', 'H-E']);
  });

  it('§5 the city: Σ of its two counties, lines merged where the factors are the same', () => {
    expect(city.children.map((c) => [c.org.id, c.institutionCount])).toEqual([
      ['g-county-a', 1],
      ['g-county-b', 1],
    ]);
    expect(child(city, 'g-county-a').totals).toEqual(school.totals);
    expect(child(city, 'g-county-b').totals).toEqual(hospital.totals);
    expect(city.totals.kgce).toBeCloseTo(22_876.662, D);
    expect(city.totals.tce).toBeCloseTo(22.876662, D);
    expect(city.totals.scope1Kg).toBeCloseTo(2_815.778, D);
    expect(city.totals.scope2LocationKg).toBeCloseTo(78_789.01, D);
    expect(city.totals.scope2MarketKg).toBeCloseTo(75_352.35, D);
    expect(city.totals.co2eKg).toBeCloseTo(81_604.788, D);
    expect(city.waterM3).toBe(2_147);
    expect(city.denominators.floorAreaM2).toBe(50_000);
    expect(city.denominators.occupants).toBeCloseTo(2_560, D);
    expect(city.intensity.kgcePerM2).toBeCloseTo(0.45753324, D);
    expect(city.intensity.kgcePerPerson).toBeCloseTo(8.93619609375, D);
    expect(city.intensity.waterM3PerPerson).toBeCloseTo(0.838671875, D);
    expect(city.intensity.co2eKgPerM2).toBeCloseTo(1.63209576, D);
    const e = line(city, 'electricity', 'location');
    expect(e.consumption).toBeCloseTo(70_700, D);
    expect(e.kgce).toBeCloseTo(8_689.03, D);
    expect(e.co2eKg).toBeCloseTo(39_189.01, D);
    expect(e.meterIds).toEqual(['E1', 'H-E']);
    expect(e.readings).toEqual({ received: 8 + Q, expected: 31 + Q });
    const water = line(city, 'water', 'resource');
    expect(water.consumption).toBe(2_147);
    expect(water.readings).toEqual({ received: 2 + Q, expected: 31 + Q });
    expect(city.lines.map((l) => `${l.carrier}/${l.method}`)).toEqual([
      'electricity/location',
      'electricity/market',
      'electricity/market (no instruments: equals location)',
      'pv_generation/on-site renewable',
      'district_heat/location',
      'natural_gas/combustion',
      'diesel/combustion',
      'water/resource',
    ]);
    expect(city.reviews).toBe(1);
    expect(city.readings).toEqual({ received: 14_707, expected: 14_973 });
    expect(city.completeness).toBeCloseTo(14_707 / 14_973, D);
  });

  it('§6 same period last year (2025-10), recomputed with 2025 factors and the 2025 certificate', () => {
    const prev = city.comparisons.previousYear!;
    expect(prev.period).toBe('2025-10');
    expect(prev.totals.kgce).toBeCloseTo(21_305.4606, D);
    expect(prev.totals.co2eKg).toBeCloseTo(76_888.4724, D);
    expect(prev.totals.scope1Kg).toBeCloseTo(2_447.4724, D);
    expect(prev.totals.scope2LocationKg).toBeCloseTo(74_441, D);
    expect(prev.totals.scope2MarketKg).toBeCloseTo(72_722.67, D);
    expect(prev.waterM3).toBe(2_210);
    expect(prev.denominators).toEqual({ floorAreaM2: 50_000, occupants: 2_400 });
    const c = prev.changePercent;
    expect(c.kgce).toBeCloseTo(7.374641785496062, D);
    expect(c.co2eKg).toBeCloseTo(6.13396970024859, D);
    expect(c.scope1Kg).toBeCloseTo(15.048406674575778, D);
    expect(c.scope2LocationKg).toBeCloseTo(5.840880697465107, D);
    expect(c.scope2MarketKg).toBeCloseTo(3.616038850058723, D);
    expect(c.waterM3).toBeCloseTo(-2.850678733031674, D);
    expect(c.kgcePerM2).toBeCloseTo(7.374641785496062, D);
    expect(c.kgcePerPerson).toBeCloseTo(0.663726673902558, D);
    expect(c.waterM3PerPerson).toBeCloseTo(-8.922511312217194, D);
    expect(c.co2eKgPerM2).toBeCloseTo(6.13396970024859, D);
    expect(prev.missingMeterIds).toEqual([]);
    expect(hospital.comparisons.previousYear!.totals.scope2MarketKg).toBeCloseTo(61_636.67, D);
    expect(school.comparisons.previousYear!.changePercent.kgce).toBeCloseTo(-4.564260407508403, D);
  });

  it('§7 baselines and targets are annual: a monthly report says so', () => {
    expect(school.comparisons.baseline).toBeNull();
    expect(school.comparisons.baselineReason).toMatch(/annual/);
    expect(school.comparisons.targets).toEqual([
      {
        indicator: 'kgcePerM2',
        changePercent: -5,
        byYear: 2025,
        baselineYear: 2020,
        requiredChangePercent: -5,
        achievedChangePercent: null,
        onTrack: null,
        reason: school.comparisons.baselineReason,
        reasonCode: 'annual_only',
      },
    ]);
    // The hospital has no baseline, so the city has none either.
    expect(city.comparisons.targets).toEqual([]);
  });

  it('§8 notes: the fallback, the certificate allocation, the instruments not counted, PV, the quarantined jump', () => {
    expect(city.notes).toEqual([
      'factor mee-grid-2023-northwest (2023) used for 2026 (electricity): no 2026 factor is published; the 2023 factor applies until superseded',
      'green certificate 绿证 GC-2025 (institution g-hospital, vintage 2025) is not of the 2026 vintage: not counted for 2026-10',
      'green-power contract 绿电交易 GPC-2026 (institution g-hospital, vintage 2026) is not retired: not counted in market-based scope 2',
      `green certificate 绿证 GC-2026: 73000 kWh for 2026, its time share ${31 / 365} of the year (${73_000 * (31 / 365)} kWh) allocated to 2026-10`,
      'institution g-hospital: no PV export is metered, so all 3600 kWh generated count as consumed on site (zero emission, in 综合能耗 at the electricity coefficient)',
      '1 quarantined interval(s) await review: their amounts are booked in no figure of this report',
    ]);
  });

  it('§9 CSV of the city report', () => {
    const csv = carbonReportCsv(city);
    expect(csv.startsWith('\uFEFF"碳核')).toBe(true);
    expect(csv).toContain('"电力","01000","范围二","基于位置","70700.000","kWh","","8689.03","39189.01"');
    expect(csv).toContain('"柴油","","范围一","化石燃料燃烧","500.000","L","420.000","611.98","1300.28"');
    // The period had ended when the report was generated: completeness to date equals the month's.
    expect(csv).toContain(
      '"金城市 (g-city)","市级","22876.66","22.87666","81604.79","2815.78","78789.01","75352.35","2147.000",' +
        '"50000.00","2560.00","0.4575","8.9362","0.8387","1.6321","98.22%","98.22%","1"',
    );
    // Notes in Chinese, their figures rounded for reading (the JSON keeps 0.0849315… and 6200.000…).
    expect(csv).toContain('"绿证 GC-2026：2026年 73000 kWh，按时间占全年的 8.49% 分摊 6200 kWh 至 2026-10"');
    expect(csv).toContain('"1 个区间待复核：其数量未计入本报告的任何数字"');
  });

  it('§9 CSV in English: the same figures, English labels and notes', () => {
    const csv = carbonReportCsv(city, { lang: 'en' });
    expect(csv).toContain('"electricity","01000","Scope 2","location-based","70700.000","kWh","","8689.03","39189.01"');
    expect(csv).toContain('"金城市 (g-city)","city","22876.66","22.87666",');
    expect(csv).toContain(
      '"green certificate GC-2026: 73000 kWh for 2026, its time share 8.49% of the year (6200 kWh) allocated to 2026-10"',
    );
    expect(csv).toContain(
      '"green-power contract GPC-2026 (institution g-hospital, vintage 2026) is not retired: not counted in market-based scope 2"',
    );
    expect(csv).toContain('consumed on site (zero emission, counted in total energy at the electricity coefficient)"');
    // Left in Chinese: the names of units and meters, and the cited documents' own issuers and titles.
    const names = [
      city.org.name,
      ...city.children.map((c) => c.org.name),
      ...city.subMetering.map((b) => b.name ?? ''),
    ].filter((n) => n !== '');
    const factors = city.lines.flatMap((l) => [l.factor, l.coalFactor, l.densityFactor]);
    const sources = factors.flatMap((f) => (f === null ? [] : [f.source]));
    const rest = [...names, ...sources].reduce((text, known) => text.replaceAll(known, ''), csv);
    expect(rest.match(/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+/g)).toBeNull();
  });
});
