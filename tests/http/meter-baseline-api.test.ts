import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkingCalendar } from '../../alerts/index.js';
import { fleetSchema } from '../../config/index.js';
import { localParts, parseIsoInstant, type Reading } from '../../src/kernel/index.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';

// GET /api/v1/meters/{id}/baseline over a real (in-memory) DuckDB store holding readings written here.
const TZ = 'Asia/Shanghai';
const STEP_MS = 15 * 60_000;
const at = (iso: string): number => parseIsoInstant(iso) as number;
const NOW = at('2026-10-14T00:30:00+08:00');
const cn = createWorkingCalendar({});

const fleet = fleetSchema.parse({
  orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
  institutions: [
    {
      id: 'gov',
      name: '机关',
      org: 'nx',
      type: 'government_office',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 500 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'gov', name: '主楼' }],
  meters: [
    { id: 'e1', building: 'b1', carrier: 'electricity', unit: 'kWh', ratedMaxPerHour: 200 },
    { id: 'new', building: 'b1', carrier: 'electricity', unit: 'kWh', ratedMaxPerHour: 200 },
    { id: 'pv', building: 'b1', carrier: 'pv_generation', unit: 'kWh', behindMeter: 'e1' },
  ],
});

/** The working-day pattern of the official calendar: 20 kWh/h in working hours, 5 kWh/h otherwise. */
function office(t: number): number {
  const p = localParts(t, TZ);
  return cn.dayOf(p.dateKey).working && p.hour >= 8 && p.hour < 18 ? 20 : 5;
}

function readings(meterId: string, fromMs: number, toMs: number): Reading[] {
  const out: Reading[] = [];
  let value = 500;
  for (let t = fromMs, seq = 0; t < toMs; t += STEP_MS, seq++) {
    value += office(t - STEP_MS) / 4;
    out.push({ meterId, tsMs: t, value, seq, receivedAtMs: t + 500, quality: 'ok' });
  }
  return out;
}

let testApp: TestHttpApp;
beforeAll(async () => {
  testApp = await createTestHttpApp({ fleet, nowMs: NOW });
  await testApp.store.write(
    [...readings('e1', at('2026-08-28T00:00:00+08:00'), NOW), ...readings('new', at('2026-10-10T00:00:00+08:00'), NOW)],
    [],
  );
});
afterAll(() => testApp.close());

const get = (url: string) => testApp.app.inject({ method: 'GET', url });

describe('GET /api/v1/meters/{id}/baseline', () => {
  it('shows the learned profile, the weeks, the day kinds and the verdicts', async () => {
    const response = await get(`/api/v1/meters/e1/baseline?at=${encodeURIComponent('2026-10-10T12:30:00+08:00')}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      meter: 'e1',
      unit: 'kWh',
      timezone: TZ,
      at: '2026-10-10T04:30:00.000Z',
      status: 'ok',
      reason: null,
      learning: { from: '2026-09-11T16:00:00.000Z', to: '2026-10-09T16:00:00.000Z', weeks: 4, learningDays: 28 },
      judged: { from: '2026-10-07T16:00:00.000Z', to: '2026-10-10T04:00:00.000Z' },
      calendar: { source: 'cn' },
    });
    expect(body.calendar.coveredYears).toContain(2026);
    const band = (key: string) => body.profile.find((b: { key: string }) => b.key === key);
    expect(band('working_hour:10')).toMatchObject({ median: 20, samples: expect.any(Number) });
    expect(band('non_working_hour:10')).toMatchObject({ median: 5 });
    // Saturday 10 October is a make-up working day: no hour of week of its own, judged as a working day.
    expect(band('hour_of_week:6:10')).toBeUndefined();
    const kind = (date: string) => body.days.find((d: { date: string }) => d.date === date)?.kind;
    expect(kind('2026-10-01')).toBe('public_holiday');
    expect(kind('2026-10-10')).toBe('makeup_working_day');
    expect(kind('2026-10-11')).toBeUndefined();
    const anomaly = body.findings.find((f: { rule: string }) => f.rule === 'baseline_anomaly');
    expect(anomaly).toMatchObject({ verdict: 'clear', severity: 'warning', summary: { en: expect.any(String) } });
    expect(body.findings.every((f: { verdict: string }) => f.verdict !== 'raise')).toBe(true);
  });

  it('is as of now without at', async () => {
    const response = await get('/api/v1/meters/e1/baseline');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ at: new Date(NOW).toISOString(), status: 'ok' });
  });

  it('says why a meter is not judged', async () => {
    const fresh = (await get('/api/v1/meters/new/baseline')).json();
    expect(fresh).toMatchObject({ status: 'insufficient_history', findings: [] });
    expect(fresh.reason).toMatch(/needed/);
    const pv = (await get('/api/v1/meters/pv/baseline')).json();
    expect(pv).toMatchObject({ status: 'not_judged', findings: [], profile: [] });
  });

  it('answers 404 for an unknown meter and 400 for a bad or future at', async () => {
    const unknown = await get('/api/v1/meters/nope/baseline');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('METER_NOT_FOUND');
    for (const bad of ['yesterday', '2026-02-30T00:00:00+08:00', '2026-10-10T12:00:00']) {
      const response = await get(`/api/v1/meters/e1/baseline?at=${encodeURIComponent(bad)}`);
      expect(response.statusCode, bad).toBe(400);
      expect(response.json().code, bad).toBe('BAD_TIME_RANGE');
    }
    const future = await get(`/api/v1/meters/e1/baseline?at=${encodeURIComponent('2026-10-15T00:00:00+08:00')}`);
    expect(future.statusCode).toBe(400);
    expect(future.json().code).toBe('BAD_TIME_RANGE');
  });
});
