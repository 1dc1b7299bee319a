import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetSchema } from '../../config/index.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { testFleet } from '../support/test-fleet.js';

// The HTTP API over a real (in-memory) DuckDB store, driven with fastify's inject.
const NOW = Date.parse('2026-10-02T00:00:00Z');
const T0 = Date.parse('2026-10-01T00:00:00Z');
let testApp: TestHttpApp;
let app: TestHttpApp['app'];

beforeAll(async () => {
  testApp = await createTestHttpApp({ fleet: fleetSchema.parse(testFleet(2)), nowMs: NOW });
  app = testApp.app;
  await testApp.store.write(
    Array.from({ length: 10 }, (_, i) => ({
      meterId: 'm000',
      tsMs: T0 + i * 900_000,
      value: 100 + i,
      seq: i,
      receivedAtMs: T0 + i * 900_000 + 500,
      quality: 'ok' as const,
    })),
    [
      {
        id: 'q1',
        receivedAtMs: T0 + 1,
        topic: 'meters/m000/readings',
        meterId: 'm000',
        reason: 'negative_register',
        detail: 'value -1 is negative',
        payload: '{"value":-1}',
      },
      {
        id: 'q2',
        receivedAtMs: T0 + 2,
        topic: 'meters/x/readings',
        meterId: 'x',
        reason: 'unknown_meter',
        detail: 'no meter',
        payload: '{}',
      },
    ],
  );
});
afterAll(() => testApp.close());

const get = async (url: string) => {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
};

describe('GET /api/v1/meters', () => {
  it('lists the registry with last reading and state', async () => {
    const { status, body } = await get('/api/v1/meters');
    expect(status).toBe(200);
    const meters = body.meters as { id: string; lastReadingAt: string | null; readings: number; state: string }[];
    expect(meters.map((m) => [m.id, m.lastReadingAt, m.readings, m.state])).toEqual([
      ['m000', '2026-10-01T02:15:00.000Z', 10, 'late'],
      ['m001', null, 0, 'never_reported'],
    ]);
  });
});

describe('GET /api/v1/readings', () => {
  it('returns readings in [from, to) with offsets honoured', async () => {
    const { status, body } = await get(
      '/api/v1/readings?meter=m000&from=2026-10-01T08:15:00%2B08:00&to=2026-10-01T08:45:00%2B08:00',
    );
    expect(status).toBe(200);
    expect(body.items).toEqual([
      {
        ts: '2026-10-01T00:15:00.000Z',
        value: 101,
        seq: 1,
        receivedAt: '2026-10-01T00:15:00.500Z',
        quality: 'ok',
        review: null,
      },
      {
        ts: '2026-10-01T00:30:00.000Z',
        value: 102,
        seq: 2,
        receivedAt: '2026-10-01T00:30:00.500Z',
        quality: 'ok',
        review: null,
      },
    ]);
  });

  it('pages with a cursor until the end', async () => {
    const seqs: unknown[] = [];
    let url = '/api/v1/readings?meter=m000&from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z&limit=4';
    for (;;) {
      const { body } = await get(url);
      seqs.push(...(body.items as { seq: number }[]).map((i) => i.seq));
      if (!body.nextCursor) break;
      url = `/api/v1/readings?meter=m000&from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z&limit=4&cursor=${String(body.nextCursor)}`;
    }
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it.each([
    ['/api/v1/readings?meter=nope', 404, 'METER_NOT_FOUND'],
    ['/api/v1/readings', 400, 'BAD_REQUEST'],
    ['/api/v1/readings?meter=m000&from=yesterday', 400, 'BAD_TIME_RANGE'],
    ['/api/v1/readings?meter=m000&from=2026-10-01T00:00:00', 400, 'BAD_TIME_RANGE'],
    ['/api/v1/readings?meter=m000&from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z', 400, 'BAD_TIME_RANGE'],
    ['/api/v1/readings?meter=m000&limit=0', 400, 'BAD_LIMIT'],
    ['/api/v1/readings?meter=m000&limit=abc', 400, 'BAD_LIMIT'],
    ['/api/v1/readings?meter=m000&cursor=!!', 400, 'BAD_CURSOR'],
    ['/api/v1/readings?meter=m000&meter=m001', 400, 'BAD_REQUEST'],
    ['/api/v1/quarantine?reason=bogus', 400, 'BAD_REASON'],
    ['/api/v1/nothing', 404, 'ROUTE_NOT_FOUND'],
  ])('%s → %i %s', async (url, status, code) => {
    const response = await get(url);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    expect(typeof response.body.message).toBe('string');
  });
});

describe('GET /api/v1/quarantine', () => {
  it('returns quarantined payloads, filtered by reason', async () => {
    const all = await get('/api/v1/quarantine?from=2026-10-01T00:00:00Z');
    expect((all.body.items as { id: string }[]).map((i) => i.id)).toEqual(['q1', 'q2']);
    const one = await get('/api/v1/quarantine?from=2026-10-01T00:00:00Z&reason=unknown_meter');
    expect(one.body.items).toEqual([
      {
        id: 'q2',
        receivedAt: '2026-10-01T00:00:00.002Z',
        topic: 'meters/x/readings',
        meter: 'x',
        reason: 'unknown_meter',
        detail: 'no meter',
        payload: '{}',
      },
    ]);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await get('/readyz')).status).toBe(200);
  });
});

describe('strict input (issue 6 §8)', () => {
  const problemsOf = (body: Record<string, unknown>) =>
    (body.problems as { param: string; code: string }[]).map((p) => [p.param, p.code]);

  it.each([
    ['30 February', '2026-02-30T00:00:00%2B08:00'],
    ['hour 24', '2026-10-01T24:00:00%2B08:00'],
    ['hour 24 without seconds', '2026-10-01T24:00Z'],
    ['minute 60', '2026-10-01T10:60:00Z'],
  ])('refuses an impossible instant (%s) instead of rolling it over', async (_what, from) => {
    const { status, body } = await get(`/api/v1/readings?meter=m000&from=${from}`);
    expect(status).toBe(400);
    expect(body.code).toBe('BAD_TIME_RANGE');
    expect(problemsOf(body)).toEqual([['from', 'BAD_TIME_RANGE']]);
  });

  it('lists every wrong parameter, the first one giving the code', async () => {
    const url = '/api/v1/readings?meter=m000&from=2026-02-30T00:00:00Z&to=2026-10-01T24:00:00Z&limit=0&cursor=!!';
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(body.code).toBe('BAD_TIME_RANGE');
    expect(typeof body.message).toBe('string');
    expect(problemsOf(body)).toEqual([
      ['from', 'BAD_TIME_RANGE'],
      ['to', 'BAD_TIME_RANGE'],
      ['limit', 'BAD_LIMIT'],
      ['cursor', 'BAD_CURSOR'],
    ]);
    const quarantine = await get('/api/v1/quarantine?reason=bogus&limit=99999&from=2026-10-01T00:00:00');
    expect(quarantine.body.code).toBe('BAD_TIME_RANGE');
    expect(problemsOf(quarantine.body)).toEqual([
      ['from', 'BAD_TIME_RANGE'],
      ['reason', 'BAD_REASON'],
      ['limit', 'BAD_LIMIT'],
    ]);
  });

  it('names a missing or repeated parameter', async () => {
    expect(problemsOf((await get('/api/v1/readings?limit=abc')).body)).toEqual([
      ['meter', 'BAD_REQUEST'],
      ['limit', 'BAD_LIMIT'],
    ]);
    const repeated = await get('/api/v1/readings?meter=m000&from=2026-10-01T00:00:00Z&from=2026-10-01T01:00:00Z');
    expect(problemsOf(repeated.body)).toEqual([['from', 'BAD_REQUEST']]);
  });

  it('still takes an empty parameter as absent', async () => {
    const { status, body } = await get('/api/v1/readings?meter=m000&from=&to=&limit=&cursor=');
    expect(status).toBe(200);
    expect(body.from).toBe('2026-10-01T00:00:00.000Z');
  });
});
