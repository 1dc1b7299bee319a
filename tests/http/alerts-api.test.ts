import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertIdOf } from '../../alerts/index.js';
import {
  asExpected,
  BACKTEST_EXPECTED,
  BACKTEST_FROM_MS,
  BACKTEST_TO_MS,
  backtestFamilies,
  backtestFleet,
} from '../support/backtest-fixture.js';
import { finding, scriptedFamily } from '../support/fake-rule-families.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';

// The alerts API over a real (in-memory) DuckDB event log; alerts are raised by fake families through run-checks.
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 1);
const T1 = Date.UTC(2026, 10, 20);

const quota = finding('quota_annual', { kind: 'institution', id: 'inst1' }, '2026', 'raise', {
  severity: 'critical',
  measured: { value: 103, threshold: 100, unit: '%' },
  details: { quotaTce: 100, usedTce: 103 },
  summary: { en: 'annual quota exceeded', zh: '年度定额超出' },
});
const offlineM1 = finding('meter_offline', { kind: 'meter', id: 'm1' }, '2026-11-20T00:00:00.000Z', 'raise');
const offlineM3 = finding('meter_offline', { kind: 'meter', id: 'm3' }, '2026-11-20T00:00:00.000Z', 'raise');
const gapM2 = finding('sequence_gap', { kind: 'meter', id: 'm2' }, '2026-11-20', 'raise');

// Opened one per hour, in this order: quota (T1), offline m1, offline m3, gap m2.
const SCRIPT = [quota, offlineM1, offlineM3, gapM2];
const live = scriptedFamily('live', ['quota_annual', 'meter_offline', 'sequence_gap'], (asOfMs) => {
  const hour = (asOfMs - T1) / HOUR;
  return SCRIPT.filter((_, i) => i <= hour);
});

let http: TestHttpApp;

beforeAll(async () => {
  http = await createTestHttpApp({ fleet: backtestFleet, nowMs: NOW, ruleFamilies: [live, ...backtestFamilies()] });
  for (let hour = 0; hour < SCRIPT.length; hour++) await http.runChecks(T1 + hour * HOUR);
});
afterAll(async () => {
  await http?.close();
});

async function get(url: string) {
  const response = await http.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
}
async function post(url: string, payload: unknown) {
  const response = await http.app.inject({ method: 'POST', url, payload: payload as object });
  return { status: response.statusCode, body: response.json() };
}
const path = (id: string, action: string) => `/api/v1/alerts/${encodeURIComponent(id)}/${action}`;
const ids = (body: { items: { id: string }[] }) => body.items.map((a) => a.id);

describe('GET /api/v1/alerts', () => {
  it('lists alerts newest first with their finding, and pages by keyset', async () => {
    const all = await get('/api/v1/alerts');
    expect(all.status).toBe(200);
    expect(ids(all.body)).toEqual([gapM2, offlineM3, offlineM1, quota].map((f) => alertIdOf(f)));
    const alert = all.body.items[3];
    expect(alert).toMatchObject({
      id: 'quota_annual:institution:inst1:2026',
      rule: 'quota_annual',
      subject: { kind: 'institution', id: 'inst1' },
      severity: 'critical',
      state: 'open',
      openedAt: new Date(T1).toISOString(),
      measured: { value: 103, threshold: 100, unit: '%' },
      summary: { en: 'annual quota exceeded', zh: '年度定额超出' },
      details: { quotaTce: 100, usedTce: 103 },
      acknowledged: null,
      resolved: null,
    });
    expect(alert.events.map((e: { kind: string }) => e.kind)).toEqual(['opened']);
    expect(all.body.nextAfter).toBeNull();

    const first = await get('/api/v1/alerts?limit=3');
    expect(ids(first.body)).toEqual(ids(all.body).slice(0, 3));
    const second = await get(`/api/v1/alerts?limit=3&after=${first.body.nextAfter}`);
    expect(ids(second.body)).toEqual(ids(all.body).slice(3));
    expect(second.body.nextAfter).toBeNull();
  });

  it('filters by org subtree, rule, state and opening time', async () => {
    expect(ids((await get('/api/v1/alerts?org=nx-a')).body)).toEqual(
      [gapM2, offlineM1, quota].map((f) => alertIdOf(f)),
    );
    expect(ids((await get('/api/v1/alerts?org=inst2')).body)).toEqual([alertIdOf(offlineM3)]);
    expect(ids((await get('/api/v1/alerts?org=nx&rule=meter_offline')).body)).toEqual(
      [offlineM3, offlineM1].map((f) => alertIdOf(f)),
    );
    const from = encodeURIComponent(new Date(T1 + HOUR).toISOString());
    const to = encodeURIComponent(new Date(T1 + 3 * HOUR).toISOString());
    expect(ids((await get(`/api/v1/alerts?from=${from}&to=${to}`)).body)).toEqual(
      [offlineM3, offlineM1].map((f) => alertIdOf(f)),
    );
    expect(ids((await get('/api/v1/alerts?state=resolved&rule=sequence_gap')).body)).toEqual([]);
  });

  it('answers bad parameters with stable codes', async () => {
    expect((await get('/api/v1/alerts?org=nope')).body.code).toBe('ORG_NOT_FOUND');
    const bad = await get('/api/v1/alerts?state=closed&rule=nope&limit=0&after=xyz');
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: { param: string; code: string }) => [p.param, p.code])).toEqual([
      ['state', 'BAD_STATE'],
      ['rule', 'BAD_RULE'],
      ['limit', 'BAD_LIMIT'],
      ['after', 'BAD_CURSOR'],
    ]);
    const reversed = await get('/api/v1/alerts?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z');
    expect([reversed.status, reversed.body.code]).toEqual([400, 'BAD_TIME_RANGE']);
  });
});

describe('POST /api/v1/alerts/{id}/ack and /resolve', () => {
  it('acknowledges once, with the justification a quota overrun needs', async () => {
    const id = alertIdOf(quota);
    const missing = await post(path(id, 'ack'), { by: '李明' });
    expect([missing.status, missing.body.code]).toEqual([400, 'JUSTIFICATION_REQUIRED']);
    const blank = await post(path(id, 'ack'), { by: '李明', justification: '   ' });
    expect(blank.body.code).toBe('JUSTIFICATION_REQUIRED');

    const ack = await post(path(id, 'ack'), { by: '李明', justification: '供暖季提前，见会议纪要' });
    expect(ack.status).toBe(200);
    expect(ack.body.state).toBe('acknowledged');
    expect(ack.body.acknowledged).toEqual({
      at: new Date(NOW).toISOString(),
      by: '李明',
      justification: '供暖季提前，见会议纪要',
    });

    const again = await post(path(id, 'ack'), { by: '王芳', justification: 'again' });
    expect([again.status, again.body.code]).toEqual([409, 'ALERT_ALREADY_ACKNOWLEDGED']);
    expect(again.body.details.acknowledged.by).toBe('李明');
    expect(ids((await get('/api/v1/alerts?state=acknowledged')).body)).toEqual([id]);
  });

  it('acknowledges a health alert without a justification, then resolves it once', async () => {
    const id = alertIdOf(offlineM1);
    expect((await post(path(id, 'ack'), { by: 'ops' })).status).toBe(200);
    const resolved = await post(path(id, 'resolve'), { by: 'ops', note: 'gateway restarted' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.resolved).toEqual({ at: new Date(NOW).toISOString(), by: 'ops', note: 'gateway restarted' });
    expect(resolved.body.events.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'acknowledged', 'resolved']);
    for (const action of ['resolve', 'ack']) {
      const again = await post(path(id, action), { by: 'ops', justification: 'x', note: 'x' });
      expect([again.status, again.body.code]).toEqual([409, 'ALERT_ALREADY_RESOLVED']);
    }
  });

  it('needs a note to resolve an unacknowledged alert whose rule needs a justification', async () => {
    // A second quota alert (prorated, this month) raised directly through the event log's run.
    const prorated = finding('quota_prorated', { kind: 'institution', id: 'inst1' }, '2026-11', 'raise');
    const family = scriptedFamily('quota', ['quota_prorated'], () => [prorated]);
    const other = await createTestHttpApp({ fleet: backtestFleet, nowMs: NOW, ruleFamilies: [family] });
    try {
      await other.runChecks(T1);
      const url = path(alertIdOf(prorated), 'resolve');
      const send = (payload: object) => other.app.inject({ method: 'POST', url, payload });
      expect((await send({ by: 'li' })).json().code).toBe('JUSTIFICATION_REQUIRED');
      expect((await send({ by: 'li', note: 'quota revised upwards by the bureau' })).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('answers an unknown alert with 404 and a bad body with 400', async () => {
    const unknown = await post(path('meter_offline:meter:nope:w', 'ack'), { by: 'li', justification: 'x' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ALERT_NOT_FOUND']);
    expect((await post(path('meter_offline:meter:nope:w', 'resolve'), { by: 'li' })).body.code).toBe('ALERT_NOT_FOUND');
    const noActor = await post(path(alertIdOf(gapM2), 'ack'), { justification: 'x' });
    expect([noActor.status, noActor.body.code, noActor.body.problems[0].param]).toEqual([400, 'BAD_REQUEST', 'by']);
    const blankActor = await post(path(alertIdOf(gapM2), 'ack'), { by: '  ' });
    expect(blankActor.status).toBe(400);
  });
});

describe('GET /api/v1/alerts/backtest', () => {
  const range = `from=${new Date(BACKTEST_FROM_MS).toISOString()}&to=${new Date(BACKTEST_TO_MS).toISOString()}`;

  it('lists the alerts the rules would have raised, at their instants, and stores none of them', async () => {
    const before = await http.alertEvents.events({});
    const run = await get(`/api/v1/alerts/backtest?org=nx-a&${range}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ org: 'nx-a', stepMinutes: 60, evaluations: 48, count: 4 });
    const items = run.body.items.map(
      (a: { rule: string; subject: { id: string }; window: string; openedAt: string; resolved: { at: string } }) =>
        asExpected({
          ...a,
          openedAtMs: Date.parse(a.openedAt),
          resolved: a.resolved === null ? undefined : { atMs: Date.parse(a.resolved.at) },
        }),
    );
    expect(items).toEqual(BACKTEST_EXPECTED);
    expect(await http.alertEvents.events({})).toEqual(before);

    const offline = await get(`/api/v1/alerts/backtest?org=nx-a&${range}&rule=meter_offline`);
    expect(offline.body.count).toBe(2);
  });

  it('answers bad parameters with stable codes', async () => {
    const noOrg = await get(`/api/v1/alerts/backtest?${range}`);
    expect([noOrg.status, noOrg.body.code]).toEqual([400, 'BAD_REQUEST']);
    expect((await get(`/api/v1/alerts/backtest?org=nope&${range}`)).body.code).toBe('ORG_NOT_FOUND');
    expect((await get('/api/v1/alerts/backtest?org=nx')).body.code).toBe('BAD_TIME_RANGE');
    expect((await get(`/api/v1/alerts/backtest?org=nx&${range}&rule=nope`)).body.code).toBe('BAD_RULE');
    const year = await get('/api/v1/alerts/backtest?org=nx&from=2025-01-01T00:00:00Z&to=2026-12-01T00:00:00Z');
    expect([year.status, year.body.code]).toEqual([400, 'BACKTEST_TOO_LONG']);
  });
});
