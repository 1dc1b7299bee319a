import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetSchema } from '../../config/index.js';
import { HOUR_MS, type Reading } from '../../src/kernel/index.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';

// GET /api/v1/quotas over a real (in-memory) DuckDB store holding readings written here.
const FROM = Date.parse('2026-10-01T00:00:00+08:00');
const NOW = Date.parse('2026-11-16T00:00:00+08:00');

const fleet = fleetSchema.parse({
  orgs: [
    { id: 'nx', name: '宁夏回族自治区', level: 'region' },
    { id: 'nx-a', name: '甲市', level: 'city', parent: 'nx' },
    { id: 'nx-b', name: '乙市', level: 'city', parent: 'nx' },
  ],
  institutions: [
    {
      id: 'school-1',
      name: '测试小学',
      org: 'nx-a',
      type: 'school',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 400 }],
    },
    {
      id: 'office-1',
      name: '测试机关',
      org: 'nx-b',
      type: 'government_office',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 5_000 }],
      occupants: [{ from: '2020-01-01', value: 200 }],
    },
  ],
  buildings: [
    { id: 'b1', institution: 'school-1', name: '教学楼' },
    { id: 'b2', institution: 'office-1', name: '办公楼' },
  ],
  meters: [
    {
      id: 'e1',
      building: 'b1',
      carrier: 'electricity',
      unit: 'kWh',
      ratedMaxPerHour: 100,
      expectedIntervalMinutes: 60,
    },
    {
      id: 'e2',
      building: 'b2',
      carrier: 'electricity',
      unit: 'kWh',
      ratedMaxPerHour: 100,
      expectedIntervalMinutes: 60,
    },
  ],
});

const quotas = {
  entries: [
    {
      institution: 'school-1',
      year: 2026,
      metric: 'tce',
      value: 2,
      source: { kind: 'standard', tier: 'constraint', citation: '某地方标准 DB00/T 0000-2020（测试）' },
      allocation: { kind: 'seasonal', weights: [3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 2, 3] },
    },
    {
      institution: 'office-1',
      year: 2026,
      metric: 'kgce_per_m2',
      source: {
        kind: 'historical',
        baselineYear: 2025,
        baselineValue: 10,
        reductionPercent: 5,
        citation: '2025 年统计',
      },
    },
    {
      institution: 'office-1',
      year: 2027,
      metric: 'tce',
      value: 50,
      source: { kind: 'manual', citation: '测试' },
    },
  ],
};

function readings(meterId: string, kwhPerHour: number): Reading[] {
  const out: Reading[] = [];
  for (let ts = FROM; ts < NOW; ts += HOUR_MS) {
    const value = 100 + ((ts - FROM) / HOUR_MS) * kwhPerHour;
    out.push({ meterId, tsMs: ts, value, seq: null, receivedAtMs: ts, quality: 'ok' });
  }
  return out;
}

let testApp: TestHttpApp;

beforeAll(async () => {
  testApp = await createTestHttpApp({ fleet, nowMs: NOW, quotas });
  await testApp.store.write([...readings('e1', 12.5), ...readings('e2', 4)], []);
});
afterAll(() => testApp.close());

async function get(url: string) {
  const response = await testApp.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

interface QuotaBody {
  institution: string;
  year: number;
  metric: string;
  value: number;
  status: string;
  source: Record<string, unknown>;
  allocation: { used: string; shares: number[] } | null;
  yearToDate: { used: number; annualPercent: number } | null;
  projection: { method: string; value: number | null } | null;
  months: { label: string; used: number | null }[];
  thresholdsCrossed: { rule: string; window: string; severity: string }[];
}

describe('GET /api/v1/quotas', () => {
  it("lists an institution's quotas with source, allocation, progress, projection and thresholds crossed", async () => {
    const { status, body } = await get('/api/v1/quotas?org=school-1&year=2026');
    expect(status).toBe(200);
    expect(body).toMatchObject({ org: 'school-1', year: 2026, asOf: new Date(NOW).toISOString() });
    const [quota] = body.quotas as QuotaBody[];
    expect(quota).toMatchObject({
      institution: 'school-1',
      metric: 'tce',
      value: 2,
      status: 'in_progress',
      source: { kind: 'standard', tier: 'constraint', citation: '某地方标准 DB00/T 0000-2020（测试）' },
    });
    expect(quota?.allocation?.used).toBe('seasonal');
    expect(quota?.allocation?.shares[0]).toBeCloseTo(0.15, 12);
    // 1 104 hours at 12.5 kWh to 23:00 on 15 November, less the last hour: 13 787.5 kWh, about 1.69 tce.
    expect(quota?.yearToDate?.used).toBeGreaterThan(1.6);
    expect(quota?.yearToDate?.used).toBeLessThan(1.8);
    expect(quota?.months[8]?.used).toBe(0);
    expect(quota?.months[11]?.used).toBeNull();
    // No reading last year: the projection says it used the allocation profile.
    expect(quota?.projection?.method).toBe('allocation_profile');
    const crossed = quota?.thresholdsCrossed.map((t) => `${t.rule} ${t.window} ${t.severity}`);
    expect(crossed).toContain('quota_annual 2026:tce_total:80 warning');
    expect(crossed).toContain('quota_prorated 2026-11:tce_total:100 warning');
  });

  it('covers the subtree, defaults to the current local year, and computes a historical quota', async () => {
    const { status, body } = await get('/api/v1/quotas?org=nx');
    expect(status).toBe(200);
    expect(body.year).toBe(2026);
    const list = body.quotas as QuotaBody[];
    expect(list.map((q) => `${q.institution} ${q.metric}`)).toEqual(['school-1 tce', 'office-1 kgce_per_m2']);
    expect(list[1]?.value).toBeCloseTo(9.5, 12);
    expect(list[1]?.source).toMatchObject({ kind: 'historical', baselineYear: 2025, reductionPercent: 5 });
  });

  it('shows a year that has not started as not started', async () => {
    const { status, body } = await get('/api/v1/quotas?org=office-1&year=2027');
    expect(status).toBe(200);
    const [quota] = body.quotas as QuotaBody[];
    expect(quota?.status).toBe('not_started');
    expect(quota?.yearToDate?.used).toBe(0);
    expect(quota?.thresholdsCrossed).toEqual([]);
  });

  it('answers 400 BAD_YEAR, 400 BAD_REQUEST and 404 ORG_NOT_FOUND for bad input', async () => {
    for (const year of ['26', 'abcd', '2200', '2026-01']) {
      const { status, body } = await get(`/api/v1/quotas?org=nx&year=${year}`);
      expect(status).toBe(400);
      expect(body.code).toBe('BAD_YEAR');
    }
    const missing = await get('/api/v1/quotas?year=2026');
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('BAD_REQUEST');
    const twice = await get('/api/v1/quotas?org=nx&year=2026&year=2027');
    expect(twice.body.code).toBe('BAD_REQUEST');
    const unknown = await get('/api/v1/quotas?org=nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ORG_NOT_FOUND');
  });
});
