import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodObject } from 'zod';
import { fleetSchema } from '../../config/index.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { testFleet } from '../support/test-fleet.js';

// Every route the server registers is in the OpenAPI document at /docs/json, with its query
// parameters and its responses; the routes are collected as fastify registers them (onRoute).
interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly query: readonly string[] | undefined;
  readonly statuses: readonly string[];
}

interface RouteSchema {
  hide?: boolean;
  querystring?: ZodObject;
  response?: Record<string, unknown>;
}

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: unknown }[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const NOW = Date.parse('2026-10-02T00:00:00Z');
let testApp: TestHttpApp;
let app: TestHttpApp['app'];
const routes: CollectedRoute[] = [];
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}
let spec: Spec;

beforeAll(async () => {
  testApp = await createTestHttpApp({ fleet: fleetSchema.parse(testFleet(1)), nowMs: NOW, ready: false });
  app = testApp.app;
  // Added before the plugins load (at ready), so it sees every route they register.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as RouteSchema | undefined;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || schema?.hide === true) continue;
      const query = schema?.querystring === undefined ? undefined : Object.keys(schema.querystring.shape);
      const statuses = Object.keys(schema?.response ?? {});
      routes.push({ method: method.toLowerCase(), url: route.url, query, statuses });
    }
  });
  await app.ready();
  const response = await app.inject({ method: 'GET', url: '/docs/json' });
  expect(response.statusCode).toBe(200);
  spec = response.json();
});
afterAll(() => testApp.close());

describe('the OpenAPI document at /docs/json', () => {
  it('is OpenAPI 3 and the routes it was checked against are the API', () => {
    expect(spec.openapi).toMatch(/^3\./);
    expect(routes.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'get /api/v1/alerts',
      'get /api/v1/alerts/backtest',
      'get /api/v1/audit',
      'get /api/v1/consumption',
      'get /api/v1/meter-health',
      'get /api/v1/meters',
      'get /api/v1/meters/:id/baseline',
      'get /api/v1/meters/:id/health',
      'get /api/v1/orgs',
      'get /api/v1/periods',
      'get /api/v1/periods/:org/:period/revisions',
      'get /api/v1/periods/:org/:period/revisions/:n',
      'get /api/v1/periods/:org/:period/revisions/:n/proof',
      'get /api/v1/periods/:org/:period/revisions/:n/verify',
      'get /api/v1/periods/public-key',
      'get /api/v1/quarantine',
      'get /api/v1/quotas',
      'get /api/v1/readings',
      'get /api/v1/reports/carbon',
      'get /api/v1/session',
      'get /api/v1/tokens',
      'get /healthz',
      'get /metrics',
      'get /readyz',
      'post /api/v1/alerts/:id/ack',
      'post /api/v1/alerts/:id/resolve',
      'post /api/v1/periods/:org/:period/approve',
      'post /api/v1/periods/:org/:period/return',
      'post /api/v1/periods/:org/:period/submit',
      'post /api/v1/periods/close',
      'post /api/v1/periods/revise',
      'post /api/v1/tokens',
      'post /api/v1/tokens/:id/revoke',
    ]);
  });

  it('documents every registered route with its query parameters and response schemas', () => {
    for (const route of routes) {
      const where = `${route.method} ${route.url}`;
      // OpenAPI writes a path parameter as {id} where fastify writes :id.
      const operation = spec.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method];
      expect(operation, where).toBeDefined();
      // A route without a response schema would be undocumented: every route declares at least 200.
      expect(route.statuses, where).toContain('200');
      for (const status of route.statuses) {
        const documented = operation?.responses?.[status];
        expect(documented, `${where} ${status}`).toBeDefined();
        const schemas = Object.values(documented?.content ?? {}).map((c) => c.schema);
        expect(schemas.length, `${where} ${status}`).toBeGreaterThan(0);
        schemas.forEach((schema) => expect(schema, `${where} ${status}`).toBeTruthy());
      }
      const documentedQuery = (operation?.parameters ?? []).filter((p) => p.in === 'query');
      expect(documentedQuery.map((p) => p.name).sort(), where).toEqual([...(route.query ?? [])].sort());
      documentedQuery.forEach((p) => expect(p.schema, `${where} ?${p.name}`).toBeTruthy());
    }
  });

  it('documents which parameters are required, their values and the shared error body', () => {
    const readings = spec.paths['/api/v1/readings']?.get?.parameters ?? [];
    expect(readings.filter((p) => p.required === true).map((p) => p.name)).toEqual(['meter']);
    const report = spec.paths['/api/v1/reports/carbon']?.get;
    const lang = report?.parameters?.find((p) => p.name === 'lang');
    expect(lang?.schema).toMatchObject({ enum: ['zh', 'en'], default: 'zh' });
    expect(Object.keys(report?.responses?.['200']?.content ?? {}).sort()).toEqual([
      'application/json',
      'application/pdf',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'text/csv',
      'text/html',
    ]);
    const format = report?.parameters?.find((p) => p.name === 'format');
    expect(format?.schema).toMatchObject({ enum: ['json', 'csv', 'html', 'pdf', 'xlsx'], default: 'json' });
    expect(spec.components?.schemas?.Error).toMatchObject({ required: expect.arrayContaining(['code', 'message']) });
  });
});

describe('/docs', () => {
  it('serves the Swagger UI and its assets from the installed package', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('/docs/static/swagger-ui.css');
    const css = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' });
    expect(css.statusCode).toBe(200);
    expect(css.body.length).toBeGreaterThan(1000);
  });

  it('answers /readyz 503 with the readiness details when not ready, as documented', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ ready: false, broker: { connected: false } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
  });
});
