import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLEET_ROOT,
  formatToken,
  PERMISSIONS,
  ROLE_PERMISSIONS,
  ROLES,
  secretSha256,
  type Permission,
} from '../../access/index.js';
import { alertIdOf, type RuleFamily } from '../../alerts/index.js';
import { fleetSchema } from '../../config/index.js';
import type { RouteAccess } from '../../src/http/route-access.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { finding } from '../support/fake-rule-families.js';

// Every route × every kind of bad credential → 401; every route × role × org → 403 or an answer, as the
// policy says (docs/access.md). The routes come from the server itself (onRoute): a route without a sample
// below fails the test, so a route added later must add its sample.

const NOW = Date.parse('2026-10-02T00:00:00Z');

/** nx (region) → c1 (city) → k1, k2 (counties) → i1 (in k1; the samples' target), i2 (in k2: "outside"). */
const fleet = fleetSchema.parse({
  orgs: [
    { id: 'nx', name: 'region', level: 'region' },
    { id: 'c1', name: 'city', level: 'city', parent: 'nx' },
    { id: 'k1', name: 'county one', level: 'county', parent: 'c1' },
    { id: 'k2', name: 'county two', level: 'county', parent: 'c1' },
  ],
  institutions: ['i1', 'i2'].map((id, n) => ({
    id,
    name: `institution ${id}`,
    org: n === 0 ? 'k1' : 'k2',
    type: 'government_office',
    floorAreaM2: [{ from: '2020-01-01', value: 1000 }],
    occupants: [{ from: '2020-01-01', value: 50 }],
  })),
  buildings: [
    { id: 'b1', institution: 'i1', name: 'b1' },
    { id: 'b2', institution: 'i2', name: 'b2' },
  ],
  meters: [
    { id: 'm1', building: 'b1', carrier: 'electricity', unit: 'kWh' },
    { id: 'm2', building: 'b2', carrier: 'electricity', unit: 'kWh' },
  ],
});

/** Each scope, and whether it covers the samples' target (i1) and the whole fleet. */
const SCOPES = [
  { scope: FLEET_ROOT, coversTarget: true, coversFleet: true },
  { scope: 'nx', coversTarget: true, coversFleet: true },
  { scope: 'c1', coversTarget: true, coversFleet: false },
  { scope: 'k1', coversTarget: true, coversFleet: false },
  { scope: 'i1', coversTarget: true, coversFleet: false },
  { scope: 'i2', coversTarget: false, coversFleet: false },
] as const;

/** An open alert on each meter, so that ack and resolve have a real subject to be scoped by. */
const offline: RuleFamily = {
  name: 'offline',
  rules: ['meter_offline'],
  evaluate: async () =>
    ['m1', 'm2'].map((id) => finding('meter_offline', { kind: 'meter', id }, 'w1', 'raise', { sinceMs: NOW - 1 })),
};
const alertOn = (meterId: string) =>
  encodeURIComponent(alertIdOf({ rule: 'meter_offline', subject: { kind: 'meter', id: meterId }, window: 'w1' }));

interface Sample {
  readonly url: string;
  readonly body?: object;
  /** What the route acts on: the target i1 (or its meter), the whole fleet, or a list cut to the caller's scope. */
  readonly target: 'i1' | 'fleet' | 'filtered';
}

let victimTokenId = '';
const SAMPLES: Record<string, Sample | (() => Sample)> = {
  'GET /api/v1/meters': { url: '/api/v1/meters', target: 'filtered' },
  'GET /api/v1/readings': { url: '/api/v1/readings?meter=m1', target: 'i1' },
  'GET /api/v1/quarantine': { url: '/api/v1/quarantine', target: 'fleet' },
  'GET /api/v1/orgs': { url: '/api/v1/orgs', target: 'filtered' },
  'GET /api/v1/consumption': { url: '/api/v1/consumption?meter=m1&bucket=day', target: 'i1' },
  'GET /api/v1/reports/carbon': { url: '/api/v1/reports/carbon?org=i1&period=2026-09', target: 'i1' },
  'GET /api/v1/meters/:id/health': { url: '/api/v1/meters/m1/health', target: 'i1' },
  'GET /api/v1/meter-health': { url: '/api/v1/meter-health?org=i1', target: 'i1' },
  'GET /api/v1/meters/:id/baseline': { url: '/api/v1/meters/m1/baseline', target: 'i1' },
  'GET /api/v1/alerts': { url: '/api/v1/alerts?org=i1', target: 'i1' },
  'GET /api/v1/alerts/backtest': {
    url: '/api/v1/alerts/backtest?org=i1&from=2026-10-01T00:00:00Z&to=2026-10-01T01:00:00Z',
    target: 'i1',
  },
  'GET /api/v1/quotas': { url: '/api/v1/quotas?org=i1&year=2026', target: 'i1' },
  'POST /api/v1/alerts/:id/ack': { url: `/api/v1/alerts/${alertOn('m1')}/ack`, body: { by: 'x' }, target: 'i1' },
  'POST /api/v1/alerts/:id/resolve': {
    url: `/api/v1/alerts/${alertOn('m1')}/resolve`,
    body: { by: 'x', note: 'n' },
    target: 'i1',
  },
  'GET /api/v1/tokens': { url: '/api/v1/tokens', target: 'filtered' },
  'POST /api/v1/tokens': {
    url: '/api/v1/tokens',
    body: { name: 'minted', role: 'auditor', scope: 'i1', expiresInDays: 1 },
    target: 'i1',
  },
  'POST /api/v1/tokens/:id/revoke': () => ({ url: `/api/v1/tokens/${victimTokenId}/revoke`, target: 'i1' }),
  'GET /api/v1/audit': { url: '/api/v1/audit', target: 'fleet' },
  'GET /api/v1/session': { url: '/api/v1/session', target: 'filtered' },
  'GET /api/v1/periods': { url: '/api/v1/periods?org=i1&period=2026-09', target: 'i1' },
  'POST /api/v1/periods/close': {
    url: '/api/v1/periods/close',
    body: { org: 'i1', period: '2026-09', override: { justification: 'matrix' } },
    target: 'i1',
  },
  'POST /api/v1/periods/revise': {
    url: '/api/v1/periods/revise',
    body: { org: 'i1', period: '2026-09', justification: 'matrix' },
    target: 'i1',
  },
  'GET /api/v1/periods/:org/:period/revisions': { url: '/api/v1/periods/i1/2026-09/revisions', target: 'i1' },
  'GET /api/v1/periods/:org/:period/revisions/:n': { url: '/api/v1/periods/i1/2026-09/revisions/1', target: 'i1' },
  'GET /api/v1/periods/:org/:period/revisions/:n/verify': {
    url: '/api/v1/periods/i1/2026-09/revisions/1/verify',
    target: 'i1',
  },
  'GET /api/v1/periods/:org/:period/revisions/:n/proof': {
    url: '/api/v1/periods/i1/2026-09/revisions/1/proof?meter=m1&day=2026-09-01',
    target: 'i1',
  },
  'POST /api/v1/periods/:org/:period/submit': { url: '/api/v1/periods/i1/2026-09/submit', target: 'i1' },
  'POST /api/v1/periods/:org/:period/approve': { url: '/api/v1/periods/i1/2026-09/approve', target: 'i1' },
  'POST /api/v1/periods/:org/:period/return': {
    url: '/api/v1/periods/i1/2026-09/return',
    body: { reason: 'r' },
    target: 'i1',
  },
};

/** The public routes: answered without a token; never 401. */
const PUBLIC = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/v1/periods/public-key',
  // The dashboard's page and assets: static files without data (src/http/plugins/dashboard-plugin.ts).
  'GET /',
  'GET /assets/*',
];

interface Route {
  readonly key: string;
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess | undefined;
}

let testApp: TestHttpApp;
const routes: Route[] = [];
const tokens = new Map<string, string>();
let expired = '';
let revoked = '';

beforeAll(async () => {
  testApp = await createTestHttpApp({ fleet, nowMs: NOW, ruleFamilies: [offline] });
  testApp.app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ key: `${method} ${route.url}`, method, url: route.url, access: route.config?.access });
    }
  });
  await testApp.app.ready();
  await testApp.runChecks(NOW);
  for (const role of ROLES) {
    for (const { scope } of SCOPES) tokens.set(`${role}@${scope}`, await testApp.mintToken(role, scope));
  }
  revoked = await testApp.mintToken('administrator');
  const revokedId = revoked.slice(4, 20);
  await testApp.access.http.revokeToken({ tokenId: revokedId, by: 'test' });
  const secret = 'E'.repeat(43);
  const expiredId = '00000000000000ee';
  await testApp.tokens.append({
    kind: 'created',
    token: {
      id: expiredId,
      name: 'expired',
      role: 'administrator',
      scopeOrgId: FLEET_ROOT,
      secretSha256: secretSha256(secret),
      createdAtMs: NOW - 10_000,
      expiresAtMs: NOW - 1,
      createdBy: 'test',
    },
  });
  expired = formatToken(expiredId, secret);
}, 60_000);
afterAll(() => testApp.close());

function sampleOf(key: string): Sample | undefined {
  const sample = SAMPLES[key];
  return typeof sample === 'function' ? sample() : sample;
}

async function call(route: Route, authorization: string) {
  const sample = sampleOf(route.key);
  const url = sample?.url ?? route.url.replace('*', 'swagger-ui.css');
  const response = await testApp.app.inject({
    method: route.method as 'GET' | 'POST',
    url,
    headers: { authorization, ...(sample?.body ? { 'content-type': 'application/json' } : {}) },
    ...(sample?.body ? { payload: JSON.stringify(sample.body) } : {}),
  });
  const json = /json/.test(String(response.headers['content-type'])) ? (response.json() as { code?: string }) : {};
  return { status: response.statusCode, code: json.code };
}

const guarded = () => routes.filter((r) => r.access === undefined || !('public' in r.access));
const permissionOf = (route: Route): Permission | undefined =>
  route.access !== undefined && 'permission' in route.access ? route.access.permission : undefined;

describe('the access matrix', () => {
  it('has a sample for every registered route, and every route declares its access', () => {
    const unsampled = routes
      .filter((r) => !r.url.startsWith('/docs') && !PUBLIC.includes(r.key) && SAMPLES[r.key] === undefined)
      .map((r) => r.key);
    expect(unsampled).toEqual([]);
    expect(routes.filter((r) => r.access === undefined).map((r) => r.key)).toEqual([]);
    for (const key of PUBLIC) expect(routes.find((r) => r.key === key)?.access).toEqual({ public: true });
    expect(guarded().length).toBe(Object.keys(SAMPLES).length);
  });

  it('answers 401 UNAUTHENTICATED and a Bearer challenge to every guarded route without a credential', async () => {
    const unknown = formatToken('0123456789abcdef', 'Z'.repeat(43));
    const credentials = { none: '', malformed: 'Bearer nonsense', basic: 'Basic YTpi', unknown, expired, revoked };
    const unexpected: string[] = [];
    for (const route of guarded()) {
      for (const [kind, value] of Object.entries(credentials)) {
        const authorization = value === '' || kind === 'malformed' || kind === 'basic' ? value : `Bearer ${value}`;
        const { status, code } = await call(route, authorization);
        if (status !== 401 || code !== 'UNAUTHENTICATED') unexpected.push(`${route.key} ${kind}: ${status} ${code}`);
      }
    }
    expect(unexpected).toEqual([]);
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/meters', headers: { authorization: '' } });
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('opens the public routes without a token', async () => {
    for (const route of routes.filter((r) => r.access !== undefined && 'public' in r.access)) {
      const { status } = await call(route, '');
      expect(status, route.key).not.toBe(401);
    }
  });

  it('answers every route × role × org as the policy says: 0 unexpected successes or refusals', async () => {
    const unexpectedSuccesses: string[] = [];
    const unexpectedRefusals: string[] = [];
    const failures: string[] = [];
    let checked = 0;
    let answered = 0;
    for (const route of guarded()) {
      const permission = permissionOf(route);
      const sample = sampleOf(route.key);
      if (permission === undefined || sample === undefined) throw new Error(`${route.key}: no permission or sample`);
      for (const role of ROLES) {
        for (const { scope, coversTarget, coversFleet } of SCOPES) {
          if (route.key === 'POST /api/v1/tokens/:id/revoke') {
            const victim = await testApp.access.http.createToken({
              name: 'victim',
              role: 'auditor',
              scopeOrgId: 'i1',
              expiresInDays: 1,
              createdBy: 'test',
            });
            victimTokenId = victim.token.id;
          }
          const expected = !ROLE_PERMISSIONS[role].includes(permission)
            ? 'FORBIDDEN'
            : sample.target === 'filtered' ||
                (sample.target === 'i1' && coversTarget) ||
                (sample.target === 'fleet' && coversFleet)
              ? 'allowed'
              : 'OUT_OF_SCOPE';
          const { status, code } = await call(route, `Bearer ${tokens.get(`${role}@${scope}`)!}`);
          checked++;
          const where = `${route.key} as ${role}@${scope}: ${status} ${code}, expected ${expected}`;
          const refused = status === 401 || status === 403;
          if (expected === 'allowed' && (refused || status === 429)) unexpectedRefusals.push(where);
          if (status >= 500) failures.push(where);
          if (expected === 'allowed' && status === 200) answered++;
          if (expected !== 'allowed' && !refused) unexpectedSuccesses.push(where);
          if (expected !== 'allowed' && refused && code !== expected) unexpectedRefusals.push(where);
        }
      }
    }
    expect(unexpectedSuccesses).toEqual([]);
    expect(unexpectedRefusals).toEqual([]);
    expect(failures).toEqual([]);
    expect(checked).toBe(guarded().length * ROLES.length * SCOPES.length);
    // The allowed requests reach their handlers: most answer 200 (a repeated ack or revoke is a 409).
    expect(answered).toBeGreaterThan(checked / 4);
  });

  it('never lists an item outside the scope: meters, orgs, alerts without org=, tokens', async () => {
    const inside: Record<string, { meters: string[]; orgs: string[] }> = {
      [FLEET_ROOT]: { meters: ['m1', 'm2'], orgs: ['nx', 'c1', 'k1', 'k2', 'i1', 'i2'] },
      nx: { meters: ['m1', 'm2'], orgs: ['nx', 'c1', 'k1', 'k2', 'i1', 'i2'] },
      c1: { meters: ['m1', 'm2'], orgs: ['c1', 'k1', 'k2', 'i1', 'i2'] },
      k1: { meters: ['m1'], orgs: ['k1', 'i1'] },
      i1: { meters: ['m1'], orgs: ['i1'] },
      i2: { meters: ['m2'], orgs: ['i2'] },
    };
    for (const { scope } of SCOPES) {
      const authorization = `Bearer ${tokens.get(`administrator@${scope}`)!}`;
      const get = async <T>(url: string) =>
        (await testApp.app.inject({ method: 'GET', url, headers: { authorization } })).json() as T;
      const meters = await get<{ meters: { id: string }[] }>('/api/v1/meters');
      expect(meters.meters.map((m) => m.id).sort(), scope).toEqual(inside[scope]!.meters);
      const orgs = await get<{ orgs: { id: string }[] }>('/api/v1/orgs');
      expect(orgs.orgs.map((o) => o.id).sort(), scope).toEqual([...inside[scope]!.orgs].sort());
      const alerts = await get<{ items: { subject: { id: string } }[] }>('/api/v1/alerts');
      expect([...new Set(alerts.items.map((a) => a.subject.id))].sort(), scope).toEqual(inside[scope]!.meters);
      const listed = await get<{ items: { scope: string }[] }>('/api/v1/tokens');
      const allowedScopes = new Set([...inside[scope]!.orgs, ...(scope === FLEET_ROOT ? [FLEET_ROOT] : [])]);
      expect(listed.items.length, scope).toBeGreaterThan(0);
      expect(
        listed.items.filter((t) => !allowedScopes.has(t.scope)).map((t) => t.scope),
        scope,
      ).toEqual([]);
    }
  });

  it('refuses a scoped administrator a token wider than its own grant', async () => {
    const authorization = `Bearer ${tokens.get('administrator@k1')!}`;
    for (const scope of [FLEET_ROOT, 'nx', 'c1', 'i2']) {
      const response = await testApp.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { authorization },
        payload: { name: 'wider', role: 'administrator', scope, expiresInDays: 1 },
      });
      expect(response.statusCode, scope).toBe(403);
      expect(response.json(), scope).toMatchObject({ code: 'OUT_OF_SCOPE' });
    }
  });

  it('refuses the role before it looks the target up: an auditor learns nothing about alert or token ids', async () => {
    const authorization = `Bearer ${tokens.get('auditor@i1')!}`;
    for (const url of ['/api/v1/alerts/no-such-alert/ack', '/api/v1/tokens/ffffffffffffffff/revoke']) {
      const response = await testApp.app.inject({
        method: 'POST',
        url,
        headers: { authorization },
        payload: { by: 'x' },
      });
      expect(response.json(), url).toMatchObject({ code: 'FORBIDDEN' });
    }
    const admin = `Bearer ${tokens.get('administrator@i2')!}`;
    const unknown = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/readings?meter=no-such-meter',
      headers: { authorization: admin },
    });
    expect(unknown.json()).toMatchObject({ code: 'OUT_OF_SCOPE' });
  });

  it('covers every permission with at least one route', () => {
    const used = new Set(guarded().map(permissionOf));
    expect(PERMISSIONS.filter((p) => !used.has(p))).toEqual([]);
  });
});
