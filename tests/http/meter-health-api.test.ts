import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetSchema } from '../../config/index.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { testFleet } from '../support/test-fleet.js';

// GET /api/v1/meters/{id}/health over a real (in-memory) DuckDB store, driven with fastify's inject.
const NOW = Date.parse('2026-10-02T04:00:00Z');
const STEP = 900_000;
/** m000 reports every 15 min for a day, skips seq 40 and 41, and falls silent 3 h before NOW. */
const SILENT_FROM = NOW - 3 * 3_600_000;
let testApp: TestHttpApp;

beforeAll(async () => {
  testApp = await createTestHttpApp({ fleet: fleetSchema.parse(testFleet(2)), nowMs: NOW });
  const readings = [];
  for (let seq = 0, tsMs = NOW - 24 * 3_600_000; tsMs <= SILENT_FROM; seq++, tsMs += STEP) {
    if (seq === 40 || seq === 41) continue;
    readings.push({ meterId: 'm000', tsMs, value: 100 + seq, seq, receivedAtMs: tsMs + 500, quality: 'ok' as const });
  }
  await testApp.store.write(readings, []);
});
afterAll(() => testApp.close());

interface Finding {
  rule: string;
  alertId: string;
  verdict: string;
  severity: string;
  window: string;
  measured: { value: number; threshold: number; unit: string };
  since: string;
  details: Record<string, unknown>;
  summary: { en: string; zh: string };
}

const get = async (url: string) => {
  const response = await testApp.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
};
const findingsOf = (body: Record<string, unknown>) => body.findings as Finding[];

describe('GET /api/v1/meters/{id}/health', () => {
  it("lists every health rule's finding for the meter as of now, with figures", async () => {
    const { status, body } = await get('/api/v1/meters/m000/health');
    expect(status).toBe(200);
    expect(body.meter).toBe('m000');
    expect(body.at).toBe('2026-10-02T04:00:00.000Z');
    const findings = findingsOf(body);
    expect(findings.map((f) => f.rule)).toEqual([
      'meter_offline',
      'stuck_register',
      'held_readings',
      'sequence_gap',
      'clock_skew',
      'quarantine_rate',
    ]);
    const offline = findings[0];
    expect(offline).toMatchObject({
      verdict: 'raise',
      severity: 'critical',
      window: '2026-10-02T01:00:00.000Z',
      alertId: 'meter_offline:meter:m000:2026-10-02T01:00:00.000Z',
      since: '2026-10-02T01:00:00.000Z',
      measured: { value: 180, threshold: 60, unit: 'min' },
      details: { state: 'offline', lastReadingAt: '2026-10-02T01:00:00.000Z' },
    });
    expect(offline?.summary.zh).toContain('m000');
    expect(findings.find((f) => f.rule === 'sequence_gap')).toMatchObject({
      verdict: 'raise',
      measured: { value: 2 },
      details: { gaps: [{ fromSeq: 40, toSeq: 41, missing: 2 }] },
    });
  });

  it('judges as of a past instant (at=): the meter was reporting then', async () => {
    const { status, body } = await get('/api/v1/meters/m000/health?at=2026-10-02T08:30:00%2B08:00');
    expect(status).toBe(200);
    expect(body.at).toBe('2026-10-02T00:30:00.000Z');
    expect(findingsOf(body).find((f) => f.rule === 'meter_offline')?.verdict).toBe('clear');
  });

  it('a meter that never reported is not offline', async () => {
    const { body } = await get('/api/v1/meters/m001/health');
    expect(findingsOf(body).find((f) => f.rule === 'meter_offline')).toMatchObject({
      verdict: 'hold',
      details: { state: 'never_reported' },
    });
  });

  it.each([
    ['/api/v1/meters/nope/health', 404, 'METER_NOT_FOUND'],
    ['/api/v1/meters/m000/health?at=yesterday', 400, 'BAD_TIME_RANGE'],
    ['/api/v1/meters/m000/health?at=2026-10-02T00:00:00', 400, 'BAD_TIME_RANGE'],
    ['/api/v1/meters/m000/health?at=2026-10-03T00:00:00Z', 400, 'BAD_TIME_RANGE'],
    ['/api/v1/meters/m000/health?at=2026-10-01T00:00:00Z&at=2026-10-01T01:00:00Z', 400, 'BAD_REQUEST'],
  ])('%s → %i %s', async (url, status, code) => {
    const response = await get(url);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
  });
});

describe('GET /api/v1/meter-health?org=', () => {
  it("lists each meter under the org with the same findings as the meter's own route", async () => {
    for (const org of ['nx', 'inst1']) {
      const { status, body } = await get(`/api/v1/meter-health?org=${org}`);
      expect(status).toBe(200);
      expect(body.org).toBe(org);
      expect(body.at).toBe('2026-10-02T04:00:00.000Z');
      const meters = body.meters as { meter: string; findings: Finding[] }[];
      expect(meters.map((m) => m.meter)).toEqual(['m000', 'm001']);
      for (const { meter, findings } of meters) {
        expect(findings).toEqual(findingsOf((await get(`/api/v1/meters/${meter}/health`)).body));
      }
    }
  });

  it('judges as of a past instant (at=)', async () => {
    const { body } = await get('/api/v1/meter-health?org=nx&at=2026-10-02T08:30:00%2B08:00');
    const meters = body.meters as { meter: string; findings: Finding[] }[];
    expect(meters[0]?.findings.find((f) => f.rule === 'meter_offline')?.verdict).toBe('clear');
  });

  it.each([
    ['/api/v1/meter-health?org=nowhere', 404, 'ORG_NOT_FOUND'],
    ['/api/v1/meter-health', 400, 'BAD_REQUEST'],
    ['/api/v1/meter-health?org=nx&at=2026-10-03T00:00:00Z', 400, 'BAD_TIME_RANGE'],
  ])('%s → %i %s', async (url, status, code) => {
    const response = await get(url);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
  });
});
