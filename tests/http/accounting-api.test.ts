import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHODOLOGY_VERSION } from '../../accounting/index.js';
import { fleetSchema } from '../../config/index.js';
import type { ReadingStore } from '../../ingest/index.js';
import type { Reading } from '../../src/kernel/index.js';
import type { AccountingUseCases } from '../../src/http/http-deps.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';

// The accounting API over a real (in-memory) DuckDB store holding readings written here.
const MINUTE = 60_000;
const LOCAL_OCT_1 = Date.parse('2026-10-01T00:00:00+08:00'); // 2026-09-30T16:00Z
const NOW = Date.parse('2026-10-20T00:00:00Z');

const fleetData = fleetSchema.parse({
  orgs: [
    { id: 'nx', name: '宁夏回族自治区', level: 'region' },
    { id: 'nx-a', name: '甲市', level: 'city', parent: 'nx' },
    { id: 'nx-b', name: '乙市', level: 'city', parent: 'nx' },
    { id: 'nx-c', name: '丙县', level: 'county', parent: 'nx' },
  ],
  institutions: [
    {
      id: 'inst1',
      name: '甲市机关',
      org: 'nx-a',
      type: 'government_office',
      gridRegion: 'northwest',
      floorAreaM2: [
        { from: '2020-01-01', value: 10_000 },
        { from: '2026-10-10', value: 12_000 },
      ],
      occupants: [{ from: '2020-01-01', value: 500 }],
    },
    {
      id: 'inst2',
      name: '乙市学校',
      org: 'nx-b',
      type: 'school',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 5_000 }],
      occupants: [{ from: '2020-01-01', value: 900 }],
    },
    // No grid region: its electricity has no factor, and the report says so (422).
    {
      id: 'inst3',
      name: '丙县医院',
      org: 'nx-c',
      type: 'hospital',
      floorAreaM2: [{ from: '2020-01-01', value: 3_000 }],
      occupants: [{ from: '2020-01-01', value: 100 }],
    },
  ],
  buildings: [
    { id: 'b1', institution: 'inst1', name: '主楼' },
    { id: 'b2', institution: 'inst2', name: '教学楼' },
    { id: 'b3', institution: 'inst3', name: '门诊楼' },
  ],
  meters: [
    { id: 'e1', building: 'b1', carrier: 'electricity', unit: 'kWh', endUse: '01000', ratedMaxPerHour: 100 },
    { id: 'e1a', building: 'b1', carrier: 'electricity', unit: 'kWh', parent: 'e1', endUse: '01A00' },
    { id: 'e2', building: 'b1', carrier: 'electricity', unit: 'MWh', multiplier: 2 },
    { id: 'w1', building: 'b1', carrier: 'water', unit: 'm3', endUse: '02000' },
    { id: 'e3', building: 'b2', carrier: 'electricity', unit: 'kWh', ratedMaxPerHour: 50 },
    { id: 'silent', building: 'b2', carrier: 'electricity', unit: 'kWh' },
    { id: 'e4', building: 'b3', carrier: 'electricity', unit: 'kWh' },
  ],
  virtualMeters: [
    {
      id: 'e1-rest',
      name: '未计量（损耗等）',
      institution: 'inst1',
      carrier: 'electricity',
      unit: 'kWh',
      expression: 'e1 - e1a',
    },
    // e2 is metered in MWh: converted into the virtual meter's kWh.
    { id: 'e-all', institution: 'inst1', carrier: 'electricity', unit: 'kWh', expression: 'e1 + 0.5 * (e2 + e2)' },
    { id: 'e1-upside-down', institution: 'inst1', carrier: 'electricity', unit: 'kWh', expression: 'e1a - e1' },
  ],
});

/** Quarter-hourly readings from local 1 October 00:00 for `count` steps, skipping steps in `skip`. */
function series(
  meterId: string,
  count: number,
  value: (i: number) => number,
  skip: (i: number) => boolean = () => false,
): Reading[] {
  return Array.from({ length: count }, (_, i) => i)
    .filter((i) => !skip(i))
    .map((i) => ({
      meterId,
      tsMs: LOCAL_OCT_1 + i * 15 * MINUTE,
      value: value(i),
      seq: i,
      receivedAtMs: LOCAL_OCT_1 + i * 15 * MINUTE + 500,
      quality: 'ok' as const,
    }));
}

const STEPS = 3 * 96 + 1; // three local days and the reading that closes them
// e2 misses 14:00Z–18:00Z on 2 October: a gap across the local midnight of 3 October (16:00Z).
const gapStart = (Date.parse('2026-10-02T14:00:00Z') - LOCAL_OCT_1) / (15 * MINUTE);
const gapEnd = (Date.parse('2026-10-02T18:00:00Z') - LOCAL_OCT_1) / (15 * MINUTE);
// e3 jumps by 1000 kWh in 15 minutes at step 100 (4000 kW against a 50 kW rating): quarantined.
const e3Value = (i: number) => 300 + i * 2 + (i >= 100 ? 1000 : 0);

let testApp: TestHttpApp;
let store: ReadingStore;
let accounting: AccountingUseCases;
let app: TestHttpApp['app'];

beforeAll(async () => {
  testApp = await createTestHttpApp({ fleet: fleetData, nowMs: NOW });
  ({ app, store, accounting } = testApp);
  await store.write(
    [
      ...series('e1', STEPS, (i) => 1000 + i * 2.5),
      ...series('e1a', STEPS, (i) => 10 + i * 0.5),
      ...series(
        'e2',
        STEPS,
        (i) => 500 + i * 0.001,
        (i) => i > gapStart && i < gapEnd,
      ),
      ...series('w1', STEPS, (i) => 200 + i * 0.01),
      ...series('e3', STEPS, e3Value),
      ...series('e4', STEPS, (i) => i),
    ],
    [],
  );
});
afterAll(() => testApp.close());

const get = async (url: string) => {
  const response = await app.inject({ method: 'GET', url });
  return {
    status: response.statusCode,
    headers: response.headers,
    text: response.body,
    body: response.headers['content-type']?.toString().startsWith('application/json')
      ? (response.json() as Record<string, unknown>)
      : {},
  };
};

interface BucketBody {
  start: string;
  label: string;
  consumption: number;
  quality: string;
  estimatedAmount: number;
  estimatedShare: number;
  quarantinedAmount: number;
  receivedReadings: number;
  expectedReadings: number;
  completeness: number | null;
}
interface SeriesBody {
  carrier: string;
  unit: string;
  meters: string[];
  buckets: BucketBody[];
  totals: { consumption: number };
}

const consumption = async (query: string) => {
  const { status, body } = await get(`/api/v1/consumption?${query}`);
  expect(status).toBe(200);
  return body as { timezone: string; from: string; to: string; series: SeriesBody[] };
};
const enc = encodeURIComponent;
const DAYS = `from=${enc('2026-10-01T00:00:00+08:00')}&to=${enc('2026-10-04T00:00:00+08:00')}&bucket=day`;

describe('GET /api/v1/orgs', () => {
  it('lists the tree: org units, then institutions with their current details', async () => {
    const { status, body } = await get('/api/v1/orgs');
    expect(status).toBe(200);
    const nodes = body.orgs as Record<string, unknown>[];
    expect(nodes.map((n) => [n.id, n.level, n.parent])).toEqual([
      ['nx', 'region', null],
      ['nx-a', 'city', 'nx'],
      ['nx-b', 'city', 'nx'],
      ['nx-c', 'county', 'nx'],
      ['inst1', 'institution', 'nx-a'],
      ['inst2', 'institution', 'nx-b'],
      ['inst3', 'institution', 'nx-c'],
    ]);
    expect(nodes[4]).toEqual({
      id: 'inst1',
      name: '甲市机关',
      level: 'institution',
      parent: 'nx-a',
      kind: 'institution',
      type: 'government_office',
      timezone: 'Asia/Shanghai',
      gridRegion: 'northwest',
      floorAreaM2: 12_000,
      occupants: 500,
      buildings: [{ id: 'b1', name: '主楼' }],
      meterCount: 4,
    });
  });
});

describe('GET /api/v1/consumption', () => {
  it('cuts days at local midnight (16:00Z) and books each day its register difference', async () => {
    const body = await consumption(`meter=e1&${DAYS}`);
    expect(body.timezone).toBe('Asia/Shanghai');
    expect([body.from, body.to]).toEqual(['2026-09-30T16:00:00.000Z', '2026-10-03T16:00:00.000Z']);
    const [e1] = body.series;
    expect(
      e1?.buckets.map((b) => [b.start, b.label, b.consumption, b.quality, b.receivedReadings, b.expectedReadings]),
    ).toEqual([
      ['2026-09-30T16:00:00.000Z', '2026-10-01', 96 * 2.5, 'measured', 96, 96],
      ['2026-10-01T16:00:00.000Z', '2026-10-02', 96 * 2.5, 'measured', 96, 96],
      ['2026-10-02T16:00:00.000Z', '2026-10-03', 96 * 2.5, 'measured', 96, 96],
    ]);
    // The 16:00Z reading closes 1 October and opens 2 October: an hour series around it shows it.
    const hours = await consumption(
      `meter=e1&bucket=hour&from=${enc('2026-10-01T15:00:00Z')}&to=${enc('2026-10-01T17:00:00Z')}`,
    );
    expect(hours.series[0]?.buckets.map((b) => [b.label, b.consumption])).toEqual([
      ['2026-10-01T23', 10],
      ['2026-10-02T00', 10],
    ]);
  });

  it('flags a gap split across a boundary as estimated, a jump above the rating as quarantined, a silent meter as no data', async () => {
    const e2 = (await consumption(`meter=e2&${DAYS}`)).series[0];
    expect(e2?.unit).toBe('MWh');
    expect(e2?.buckets.map((b) => b.quality)).toEqual(['measured', 'estimated', 'estimated']);
    const split = e2?.buckets[1];
    expect(split?.estimatedShare).toBeGreaterThan(0);
    expect(split?.receivedReadings).toBeLessThan(96);
    // Conservation: the gap's energy is all booked, in the two days it spans.
    const total = e2?.buckets.reduce((s, b) => s + b.consumption, 0) ?? 0;
    expect(total).toBeCloseTo(3 * 96 * 0.001 * 2, 9);

    const e3 = (await consumption(`meter=e3&${DAYS}`)).series[0];
    expect(e3?.buckets.map((b) => b.quality)).toEqual(['measured', 'quarantined', 'measured']);
    expect(e3?.buckets[1]?.quarantinedAmount).toBeCloseTo(1002, 9);
    expect(e3?.buckets[1]?.consumption).toBeCloseTo(96 * 2 - 2, 9);

    const silent = (await consumption(`meter=silent&${DAYS}`)).series[0];
    expect(silent?.buckets.map((b) => [b.quality, b.consumption, b.completeness])).toEqual([
      ['no_data', 0, 0],
      ['no_data', 0, 0],
      ['no_data', 0, 0],
    ]);
  });

  it('an org series is per carrier and equals the sum of its root meters (sub-meters not added, MWh in kWh)', async () => {
    const org = await consumption(`org=nx-a&${DAYS}`);
    expect(org.series.map((s) => [s.carrier, s.unit, s.meters])).toEqual([
      ['electricity', 'kWh', ['e1', 'e2']],
      ['water', 'm3', ['w1']],
    ]);
    const e1 = (await consumption(`meter=e1&${DAYS}`)).series[0]?.buckets ?? [];
    const e2 = (await consumption(`meter=e2&${DAYS}`)).series[0]?.buckets ?? [];
    const electricity = org.series[0]?.buckets ?? [];
    electricity.forEach((b, k) => {
      expect(b.consumption).toBeCloseTo((e1[k]?.consumption ?? NaN) + 1000 * (e2[k]?.consumption ?? NaN), 9);
      expect(b.estimatedAmount).toBeCloseTo(1000 * (e2[k]?.estimatedAmount ?? NaN), 9);
      expect(b.receivedReadings).toBe((e1[k]?.receivedReadings ?? NaN) + (e2[k]?.receivedReadings ?? NaN));
    });
    expect(electricity.map((b) => b.quality)).toEqual(['measured', 'estimated', 'estimated']);
    const month = await consumption(
      `org=inst1&bucket=month&from=${enc('2026-10-01T00:00:00+08:00')}&to=${enc('2026-10-04T00:00:00+08:00')}`,
    );
    expect(month.series[0]?.buckets.map((b) => b.label)).toEqual(['2026-10']);
    expect(month.series[0]?.totals.consumption).toBeCloseTo(
      electricity.reduce((s, b) => s + b.consumption, 0),
      6,
    );
    expect(month.series[0]?.buckets[0]?.quality).toBe('partial');
  });

  it.each([
    ['/api/v1/consumption?meter=nope', 404, 'METER_NOT_FOUND'],
    ['/api/v1/consumption?org=nope', 404, 'ORG_NOT_FOUND'],
    ['/api/v1/consumption', 400, 'BAD_REQUEST'],
    ['/api/v1/consumption?meter=e1&org=nx', 400, 'BAD_REQUEST'],
    ['/api/v1/consumption?meter=e1&bucket=week', 400, 'BAD_BUCKET'],
    ['/api/v1/consumption?meter=e1&from=yesterday', 400, 'BAD_TIME_RANGE'],
    ['/api/v1/consumption?meter=e1&from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z', 400, 'BAD_TIME_RANGE'],
    [
      '/api/v1/consumption?meter=e1&bucket=hour&from=2026-09-01T00:00:00Z&to=2026-10-15T00:00:00Z',
      400,
      'BAD_TIME_RANGE',
    ],
    ['/api/v1/reports/carbon?org=nope&period=2026-10', 404, 'ORG_NOT_FOUND'],
    ['/api/v1/reports/carbon?period=2026-10', 400, 'BAD_REQUEST'],
    ['/api/v1/reports/carbon?org=nx-a', 400, 'BAD_PERIOD'],
    ['/api/v1/reports/carbon?org=nx-a&period=2026-13', 400, 'BAD_PERIOD'],
    ['/api/v1/reports/carbon?org=nx-a&period=2026-1', 400, 'BAD_PERIOD'],
    ['/api/v1/reports/carbon?org=nx-a&period=2026-10-01', 400, 'BAD_PERIOD'],
    ['/api/v1/reports/carbon?org=nx-a&period=2026-11', 400, 'BAD_PERIOD'],
    ['/api/v1/reports/carbon?org=nx-a&period=2027', 400, 'BAD_PERIOD'],
    ['/api/v1/reports/carbon?org=nx-a&period=2026-10&format=xml', 400, 'BAD_FORMAT'],
    ['/api/v1/reports/carbon?org=nx-a&period=2026-10&basis=market', 400, 'BAD_REQUEST'],
    ['/api/v1/reports/carbon?org=nx-c&period=2026-10', 422, 'FACTOR_MISSING'],
  ])('%s → %i %s', async (url, status, code) => {
    const response = await get(url);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    expect(typeof response.body.message).toBe('string');
  });
});

describe('GET /api/v1/reports/carbon', () => {
  it('reports the current month of a city: lines with factors, totals, children, a data cut-off at the last reading', async () => {
    const { status, body } = await get('/api/v1/reports/carbon?org=nx-a&period=2026-10');
    expect(status).toBe(200);
    expect(body.period).toEqual({ label: '2026-10', from: '2026-09-30T16:00:00.000Z', to: '2026-10-31T16:00:00.000Z' });
    expect(body.timezone).toBe('Asia/Shanghai');
    expect(body.basis).toBe('equivalent');
    expect(body.dataCutoff).toBe('2026-10-03T16:00:00.000Z');
    expect(body.methodologyVersion).toBe(METHODOLOGY_VERSION);
    const lines = body.lines as {
      carrier: string;
      consumption: number;
      unit: string;
      factor: { id: string } | null;
      meterIds: string[];
    }[];
    const electricity = lines.find((l) => l.carrier === 'electricity');
    // e1 and e2 (MWh × 1000) over the month so far; the sub-meter e1a is inside e1.
    expect(electricity?.consumption).toBeCloseTo(3 * 96 * 2.5 + 1000 * 3 * 96 * 0.001 * 2, 6);
    expect(electricity?.unit).toBe('kWh');
    expect(electricity?.factor?.id).toMatch(/northwest/);
    expect((body.children as { org: { id: string } }[]).map((c) => c.org.id)).toEqual(['inst1']);
    // By hand from the readings written above and config/factors.yaml: electricity 1296 kWh (e1 720 + e2 576)
    // × 0.1229 kgce/kWh (GB/T 2589 equivalent) and × 0.5543 kgCO2/kWh (the northwest grid's 2023 average, the
    // latest year, applied until superseded); water (w1) counts in neither; no fuels (scope 1 is 0) and no
    // instruments (market = location).
    const electricityKwh = 3 * 96 * 2.5 + 1000 * 3 * 96 * 0.001 * 2;
    expect(electricityKwh).toBeCloseTo(1296, 9);
    const totals = body.totals as Record<string, number>;
    expect(totals.kgce).toBeCloseTo(1296 * 0.1229, 6);
    expect(totals.tce).toBeCloseTo((1296 * 0.1229) / 1000, 9);
    expect(totals.scope1Kg).toBe(0);
    expect(totals.scope2LocationKg).toBeCloseTo(1296 * 0.5543, 6);
    expect(totals.scope2MarketKg).toBeCloseTo(1296 * 0.5543, 6);
    expect(totals.co2eKg).toBeCloseTo(1296 * 0.5543, 6);
  });

  it('gives the same report as CSV for Excel: UTF-8 with BOM, an attachment', async () => {
    const response = await get('/api/v1/reports/carbon?org=inst1&period=2026-10&format=csv&basis=equivalent');
    expect(response.status, response.text).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="carbon-report-inst1-2026-10.csv"');
    expect(response.text.startsWith('\uFEFF')).toBe(true);
    expect(response.text).toContain('当量值');
  });

  it('reports a year, with last year as comparison period', async () => {
    const { status, body } = await get('/api/v1/reports/carbon?org=nx&period=2026');
    // nx includes inst3 without a grid region: the factor is missing, named in the message.
    expect(status).toBe(422);
    expect(body.code).toBe('FACTOR_MISSING');
    expect(String(body.message)).toContain('inst3');
    const yearly = await get('/api/v1/reports/carbon?org=nx-b&period=2026');
    expect(yearly.status).toBe(200);
    expect((yearly.body.period as { label: string }).label).toBe('2026');
    // By hand: e3 rises 2 kWh a step over 288 steps, less the step its 1000 kWh jump was held from (2 + 1000
    // quarantined): 574 kWh; the silent meter adds nothing. Factors as in the monthly report above.
    const yearTotals = yearly.body.totals as Record<string, number>;
    expect(yearTotals.kgce).toBeCloseTo((3 * 96 * 2 - 2) * 0.1229, 6);
    expect(yearTotals.co2eKg).toBeCloseTo((3 * 96 * 2 - 2) * 0.5543, 6);
    expect(yearTotals.scope2MarketKg).toBeCloseTo((3 * 96 * 2 - 2) * 0.5543, 6);
  });
});

describe('strict input (issue 6 §8)', () => {
  const problemsOf = (body: Record<string, unknown>) =>
    (body.problems as { param: string; code: string }[]).map((p) => [p.param, p.code]);

  it('lists every wrong parameter of a report request, the first one giving the code', async () => {
    const { status, body } = await get('/api/v1/reports/carbon?org=nx-a&format=xml&basis=market&lang=fr');
    expect(status).toBe(400);
    expect(body.code).toBe('BAD_PERIOD');
    expect(problemsOf(body)).toEqual([
      ['period', 'BAD_PERIOD'],
      ['format', 'BAD_FORMAT'],
      ['basis', 'BAD_REQUEST'],
      ['lang', 'BAD_REQUEST'],
    ]);
  });

  it('refuses an impossible series bound and lists it with a wrong bucket', async () => {
    const to = enc('2026-02-29T00:00:00+08:00');
    const { status, body } = await get(`/api/v1/consumption?meter=e1&bucket=week&to=${to}`);
    expect(status).toBe(400);
    expect(body.code).toBe('BAD_TIME_RANGE');
    expect(problemsOf(body)).toEqual([
      ['to', 'BAD_TIME_RANGE'],
      ['bucket', 'BAD_BUCKET'],
    ]);
  });

  it('takes lang=zh|en for the CSV', async () => {
    for (const lang of ['zh', 'en']) {
      const response = await get(`/api/v1/reports/carbon?org=inst1&period=2026-10&format=csv&lang=${lang}`);
      expect(response.status, response.text).toBe(200);
      expect(response.text.startsWith('\uFEFF')).toBe(true);
    }
  });
});

describe('virtual meters', () => {
  interface VirtualBody {
    id: string;
    name: string | null;
    expression: string;
    consumption: number;
    unit: string;
    completeness: number | null;
    estimatedAmount: number;
    negative: boolean;
  }

  it("lists the institution's virtual meters with their values, outside every line and total", async () => {
    const { status, body } = await get('/api/v1/reports/carbon?org=inst1&period=2026-10');
    expect(status).toBe(200);
    const virtual = body.virtualMeters as VirtualBody[];
    expect(virtual.map((v) => [v.id, v.name, v.expression, v.unit, v.negative])).toEqual([
      ['e1-rest', '未计量（损耗等）', 'e1 - e1a', 'kWh', false],
      ['e-all', null, 'e1 + 0.5 * (e2 + e2)', 'kWh', false],
      ['e1-upside-down', null, 'e1a - e1', 'kWh', true],
    ]);
    const e1 = 3 * 96 * 2.5;
    const e1a = 3 * 96 * 0.5;
    const e2Kwh = 1000 * 3 * 96 * 0.001 * 2;
    expect(virtual[0]?.consumption).toBeCloseTo(e1 - e1a, 6);
    // The same remainder as e1's sub-metering balance (no PV behind e1).
    const balance = (body.subMetering as { meterId: string; unmetered: number }[]).find((b) => b.meterId === 'e1');
    expect(virtual[0]?.consumption).toBeCloseTo(balance?.unmetered ?? NaN, 9);
    expect(virtual[1]?.consumption).toBeCloseTo(e1 + e2Kwh, 6);
    // e2's gap lies inside the month: over the month it is measured (its register difference), not estimated.
    expect(virtual[1]?.estimatedAmount).toBe(0);
    expect(virtual[2]?.consumption).toBeCloseTo(e1a - e1, 6);
    // The month so far: 3 of 31 days received.
    expect(virtual[0]?.completeness).toBeCloseTo((3 * 96) / (31 * 96), 6);
    expect((body.notes as string[]).some((n) => n.includes('e1-upside-down'))).toBe(true);
    // No double counting: the electricity line is still e1 + e2 alone.
    const lines = body.lines as { carrier: string; consumption: number }[];
    expect(lines.find((l) => l.carrier === 'electricity')?.consumption).toBeCloseTo(e1 + e2Kwh, 6);
    // A city's report lists the virtual meters of its institutions.
    const city = await get('/api/v1/reports/carbon?org=nx-a&period=2026-10');
    expect((city.body.virtualMeters as VirtualBody[]).map((v) => v.id)).toEqual(['e1-rest', 'e-all', 'e1-upside-down']);
    const other = await get('/api/v1/reports/carbon?org=nx-b&period=2026-10');
    expect(other.body.virtualMeters).toEqual([]);
  });

  it('serves a virtual meter as a series, evaluated per bucket', async () => {
    const { status, body } = await get(`/api/v1/consumption?meter=e1-rest&${DAYS}`);
    expect(status).toBe(200);
    expect(body.target).toEqual({ kind: 'virtual_meter', id: 'e1-rest' });
    const [rest] = (body as unknown as { series: SeriesBody[] }).series;
    expect(rest?.meters).toEqual(['e1', 'e1a']);
    expect(rest?.buckets.map((b) => [b.label, b.quality, b.completeness])).toEqual([
      ['2026-10-01', 'measured', 1],
      ['2026-10-02', 'measured', 1],
      ['2026-10-03', 'measured', 1],
    ]);
    rest?.buckets.forEach((b) => expect(b.consumption).toBeCloseTo(96 * 2.5 - 96 * 0.5, 9));
    expect(rest?.totals.consumption).toBeCloseTo(3 * 96 * 2, 9);

    const mixed = (await consumption(`meter=e-all&${DAYS}`)).series[0];
    const e1 = (await consumption(`meter=e1&${DAYS}`)).series[0]?.buckets ?? [];
    const e2 = (await consumption(`meter=e2&${DAYS}`)).series[0]?.buckets ?? [];
    mixed?.buckets.forEach((b, k) =>
      expect(b.consumption).toBeCloseTo((e1[k]?.consumption ?? NaN) + 1000 * (e2[k]?.consumption ?? NaN), 9),
    );
    expect(mixed?.buckets.map((b) => b.quality)).toEqual(['measured', 'estimated', 'estimated']);

    const negative = (await consumption(`meter=e1-upside-down&${DAYS}`)).series[0];
    expect(negative?.buckets.every((b) => b.consumption < 0)).toBe(true);
  });
});

describe('the JSON report over HTTP', () => {
  it("is the engine's report byte for byte: the response schema drops, adds and reorders nothing", async () => {
    const { report } = await accounting.carbonReport({ orgId: 'nx-a', period: '2026-10', basis: 'equivalent' });
    const { status, text } = await get('/api/v1/reports/carbon?org=nx-a&period=2026-10');
    expect(status).toBe(200);
    expect(text).toBe(JSON.stringify(report));
  });
});

describe('held readings in /api/v1/readings (issue 6 §6)', () => {
  it('flags the top of a jump above the rating with its review reason, and no other reading', async () => {
    const jumpTs = new Date(LOCAL_OCT_1 + 100 * 15 * MINUTE).toISOString();
    const { status, body } = await get(
      `/api/v1/readings?meter=e3&from=${enc('2026-10-02T00:00:00+08:00')}&to=${enc('2026-10-03T00:00:00+08:00')}`,
    );
    expect(status).toBe(200);
    const items = body.items as { ts: string; value: number; review: string | null }[];
    expect(items).toHaveLength(96);
    expect(items.filter((i) => i.review !== null)).toEqual([
      expect.objectContaining({ ts: jumpTs, value: e3Value(100), review: 'implausible_jump' }),
    ]);
    const clean = await get(`/api/v1/readings?meter=e1&${DAYS.replace('&bucket=day', '')}`);
    expect((clean.body.items as { review: string | null }[]).every((i) => i.review === null)).toBe(true);
  });
});

// Last in the file: it writes into the store the other tests read.
describe('a conflicting rewrite of stored history (issue 6 §4)', () => {
  it('keeps both values, lists the conflict under the reviews and in the quarantine, and the figures do not move', async () => {
    const report = async () => {
      const { status, body } = await get('/api/v1/reports/carbon?org=nx-a&period=2026-10');
      expect(status).toBe(200);
      return body as { lines: unknown; totals: unknown; reviews: number; generatedAt: string };
    };
    const before = await report();
    // e1 at local 2 October 12:00 (step 144) was 1000 + 144 × 2.5 = 1360; a second publication says 1359.
    const tsMs = LOCAL_OCT_1 + 144 * 15 * MINUTE;
    await store.write([{ meterId: 'e1', tsMs, value: 1359, seq: 144, receivedAtMs: NOW, quality: 'ok' }], []);
    await store.sync();
    const after = await report();
    expect(after.reviews).toBe(before.reviews + 1);
    expect(after.lines).toEqual(before.lines);
    expect(after.totals).toEqual(before.totals);

    const from = enc('2026-10-02T11:45:00+08:00');
    const to = enc('2026-10-02T12:15:00+08:00');
    const readings = await get(`/api/v1/readings?meter=e1&from=${from}&to=${to}`);
    expect((readings.body.items as { value: number; review: string | null }[]).map((i) => [i.value, i.review])).toEqual(
      [
        [1357.5, null],
        [1359, 'conflicting_duplicate'],
        [1360, 'conflicting_duplicate'],
      ],
    );
    // Paging splits the instant's two values without losing one.
    const first = await get(`/api/v1/readings?meter=e1&from=${from}&to=${to}&limit=2`);
    const next = await get(
      `/api/v1/readings?meter=e1&from=${from}&to=${to}&limit=2&cursor=${String(first.body.nextCursor)}`,
    );
    expect((next.body.items as { value: number }[]).map((i) => i.value)).toEqual([1360]);

    const quarantine = await get(
      `/api/v1/quarantine?from=${enc('2026-10-01T00:00:00+08:00')}&to=${enc('2026-10-05T00:00:00+08:00')}`,
    );
    expect(quarantine.status).toBe(200);
    expect(quarantine.body.conflicts).toEqual([
      { meter: 'e1', ts: new Date(tsMs).toISOString(), values: [1359, 1360], reason: 'conflicting_duplicate' },
    ]);
    const otherReason = await get(`/api/v1/quarantine?from=${enc('2026-10-01T00:00:00+08:00')}&reason=unknown_meter`);
    expect(otherReason.body.conflicts).toEqual([]);
  });
});
