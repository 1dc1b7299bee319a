import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { alertIdOf, type RuleFamily } from '../../alerts/index.js';
import { fleetSchema } from '../../config/index.js';
import { finding } from '../support/fake-rule-families.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { testFleet } from '../support/test-fleet.js';

// The guard rails of docs/access.md: the rate limit per caller, the body limit, helmet's headers, the
// /metrics token, the audit log of mutations and refusals, and the refusal of a route that declares no access.

const NOW = Date.parse('2026-10-02T00:00:00Z');
const fleet = fleetSchema.parse(testFleet(1));
const offline: RuleFamily = {
  name: 'offline',
  rules: ['meter_offline'],
  evaluate: async () => [finding('meter_offline', { kind: 'meter', id: 'm000' }, 'w1', 'raise', { sinceMs: NOW })],
};
const alertId = alertIdOf({ rule: 'meter_offline', subject: { kind: 'meter', id: 'm000' }, window: 'w1' });

let testApp: TestHttpApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

async function start(options: Parameters<typeof createTestHttpApp>[0] extends infer O ? Partial<O> : never = {}) {
  testApp = await createTestHttpApp({ fleet, nowMs: NOW, ruleFamilies: [offline], ...options });
  return testApp;
}

describe('the rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After after max requests of one caller, and not to another', async () => {
    const { app, mintToken } = await start({ access: { rateLimit: { max: 3, windowMs: 60_000 } } });
    const mine = `Bearer ${await mintToken('auditor')}`;
    const theirs = `Bearer ${await mintToken('auditor')}`;
    const get = (authorization: string) =>
      app.inject({ method: 'GET', url: '/api/v1/meters', headers: { authorization } });
    for (let i = 0; i < 3; i++) expect((await get(mine)).statusCode).toBe(200);
    const limited = await get(mine);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(theirs)).statusCode).toBe(200);
  });

  it('limits anonymous callers by address, so token guessing is limited too', async () => {
    const { app } = await start({ access: { rateLimit: { max: 2, windowMs: 60_000 } } });
    const guess = () =>
      app.inject({ method: 'GET', url: '/api/v1/meters', headers: { authorization: 'Bearer guess' } });
    expect((await guess()).statusCode).toBe(401);
    expect((await guess()).statusCode).toBe(401);
    expect((await guess()).json()).toMatchObject({ code: 'RATE_LIMITED' });
  });
});

describe('the body limit', () => {
  it('refuses a body over access.bodyLimitBytes with 413 PAYLOAD_TOO_LARGE in our error body', async () => {
    const { app, runChecks } = await start({ access: { bodyLimitBytes: 1024 } });
    await runChecks(NOW);
    const url = `/api/v1/alerts/${encodeURIComponent(alertId)}/ack`;
    const big = await app.inject({ method: 'POST', url, payload: { by: 'li', justification: 'x'.repeat(2000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const small = await app.inject({ method: 'POST', url, payload: { by: 'li', justification: 'ok' } });
    expect(small.statusCode).toBe(200);
  });
});

describe("helmet's headers", () => {
  it('sets them on the API, with a strict policy, and the Swagger UI still loads under its own policy', async () => {
    const { app } = await start();
    const api = await app.inject({ method: 'GET', url: '/api/v1/meters' });
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(api.headers['content-security-policy']).toContain("default-src 'self'");
    expect(api.headers['strict-transport-security']).toBeDefined();
    const docs = await app.inject({ method: 'GET', url: '/docs', headers: { authorization: '' } });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const init = await app.inject({
      method: 'GET',
      url: '/docs/static/swagger-initializer.js',
      headers: { authorization: '' },
    });
    expect(init.statusCode).toBe(200);
  });
});

describe('/metrics', () => {
  it('is open without TANHE_METRICS_TOKEN, and needs exactly that bearer with it', async () => {
    const open = await start();
    expect((await open.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: '' } })).statusCode).toBe(
      200,
    );
    await open.close();
    testApp = undefined;
    const { app } = await start({ metricsToken: 'scrape-secret' });
    const scrape = (authorization: string) =>
      app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
    expect((await scrape('')).statusCode).toBe(401);
    expect((await scrape('Bearer wrong')).json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    // The administrator's API token is not the scraper's token.
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await scrape('Bearer scrape-secret')).statusCode).toBe(200);
  });
});

describe('the audit log', () => {
  it('records an acknowledgement, a refused request and token use; GET /api/v1/audit reads them', async () => {
    const { app, runChecks, mintToken } = await start();
    await runChecks(NOW);
    const officer = `Bearer ${await mintToken('energy_officer', 'inst1')}`;
    const auditor = `Bearer ${await mintToken('auditor', 'inst1')}`;
    const url = `/api/v1/alerts/${encodeURIComponent(alertId)}/ack`;
    const ack = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: officer },
      payload: { by: 'li', justification: 'gateway replaced' },
    });
    expect(ack.statusCode).toBe(200);
    const again = await app.inject({ method: 'POST', url, headers: { authorization: officer }, payload: { by: 'li' } });
    expect(again.statusCode).toBe(409);
    const refused = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: auditor },
      payload: { by: 'x' },
    });
    expect(refused.json()).toMatchObject({ code: 'FORBIDDEN' });
    await app.inject({ method: 'GET', url: '/api/v1/meters', headers: { authorization: '' } });

    const read = async (query: string) =>
      (await app.inject({ method: 'GET', url: `/api/v1/audit?${query}` })).json() as {
        items: { actor: string; action: string; target: string; outcome: string; detail: Record<string, unknown> }[];
      };
    const acks = await read('action=alert.acknowledge');
    expect(acks.items.map((e) => [e.actor, e.target, e.outcome])).toEqual([
      ['energy_officer@inst1#1', alertId, 'ok'],
      ['energy_officer@inst1#1', alertId, 'ALERT_ALREADY_ACKNOWLEDGED'],
    ]);
    expect(acks.items[0]?.detail).toMatchObject({ by: 'li', justification: 'gateway replaced' });
    const denied = await read('action=http.denied');
    expect(denied.items.map((e) => [e.actor, e.outcome])).toEqual([
      ['auditor@inst1#2', 'FORBIDDEN'],
      ['anonymous', 'UNAUTHENTICATED'],
    ]);
    const uses = await read('action=token.use');
    // Once per token and hour, however many requests.
    expect(uses.items.map((e) => e.actor).sort()).toEqual([
      'auditor@inst1#2',
      'bootstrap-admin',
      'energy_officer@inst1#1',
    ]);
    expect(JSON.stringify(await read('limit=1000'))).not.toMatch(/tnh_[0-9a-f]{16}_/);
  });

  it('is read by a grant over the whole fleet only', async () => {
    const { app, mintToken } = await start();
    const scoped = `Bearer ${await mintToken('administrator', 'inst1')}`;
    const response = await app.inject({ method: 'GET', url: '/api/v1/audit', headers: { authorization: scoped } });
    expect(response.json()).toMatchObject({ code: 'OUT_OF_SCOPE' });
  });
});

describe('the tokens routes', () => {
  it('create a token whose secret works once shown, list it without secrets, revoke it', async () => {
    const { app } = await start({ access: { tokenCacheTtlMs: 0 } });
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'inst1-auditor', role: 'auditor', scope: 'inst1', expiresInDays: 7 },
    });
    expect(created.statusCode).toBe(200);
    const { token, secret } = created.json() as { token: { id: string }; secret: string };
    const asNew = { authorization: `Bearer ${secret}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/meters', headers: asNew })).statusCode).toBe(200);
    const listed = await app.inject({ method: 'GET', url: '/api/v1/tokens' });
    expect(listed.body).not.toContain(secret.slice(21));
    expect((listed.json() as { items: { id: string }[] }).items.map((t) => t.id)).toContain(token.id);
    const revoked = await app.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/revoke` });
    expect(revoked.json()).toMatchObject({ id: token.id, revokedBy: 'bootstrap-admin' });
    expect((await app.inject({ method: 'GET', url: '/api/v1/meters', headers: asNew })).statusCode).toBe(401);
    const twice = await app.inject({ method: 'POST', url: `/api/v1/tokens/${token.id}/revoke` });
    expect(twice.json()).toMatchObject({ code: 'TOKEN_ALREADY_REVOKED' });
    const actions = (await app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000' })).json() as {
      items: { action: string; target: string }[];
    };
    expect(actions.items.filter((e) => e.target === token.id).map((e) => e.action)).toEqual([
      'token.create',
      'token.use',
      'token.revoke',
    ]);
  });
});

describe('a route without an access declaration', () => {
  it('is refused when it is registered', async () => {
    const { app } = await start();
    let refused = false;
    try {
      app.get('/api/v1/undeclared', async () => ({ open: true }));
      await app.ready();
    } catch {
      refused = true;
    }
    expect(refused).toBe(true);
  });
});

describe('OIDC JWTs through the HTTP layer', () => {
  it('accepts a JWT from the configured issuer with role and scope claims, and refuses one without a role', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const { app } = await start({
      access: {
        jwt: {
          issuer: 'https://idp.example.org',
          audience: 'tanhe',
          algorithms: ['ES256'],
          jwks: { keys: [await exportJWK(publicKey)] },
        },
      },
    });
    const jwt = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer('https://idp.example.org')
        .setAudience('tanhe')
        .setSubject('wang.fang')
        .setIssuedAt(Math.floor(NOW / 1000))
        .setExpirationTime(Math.floor(NOW / 1000) + 300)
        .sign(privateKey);
    const get = async (url: string, token: string) =>
      app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const auditor = await jwt({ tanhe_role: 'auditor', tanhe_scope: 'inst1' });
    expect((await get('/api/v1/meters', auditor)).statusCode).toBe(200);
    expect((await get('/api/v1/alerts', auditor)).json()).toMatchObject({ code: 'FORBIDDEN' });
    const roleless = await jwt({ tanhe_scope: 'inst1' });
    expect((await get('/api/v1/meters', roleless)).json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
