import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notFoundRoute, sendError } from '../../src/http/error-mapper.js';
import { DASHBOARD_CSP, dashboardPlugin } from '../../src/http/plugins/dashboard-plugin.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';

// The dashboard plugin on its own, over a built page and over a missing one (the service's own routes and access
// checks are the access matrix's, tests/http/access-matrix.test.ts).

let dir: string;

async function serverOver(dashboardDir: string) {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler(notFoundRoute);
  await app.register(dashboardPlugin, { dir: dashboardDir });
  await app.ready();
  return app;
}

beforeAll(async () => {
  dir = await makeTempDir('dashboard-dist');
  mkdirSync(join(dir, 'built', 'assets'), { recursive: true });
  writeFileSync(
    join(dir, 'built', 'index.html'),
    '<!doctype html><title>t</title><script src="./assets/a-1.js"></script>',
  );
  writeFileSync(join(dir, 'built', 'assets', 'a-1.js'), 'console.log(1)');
});
afterAll(() => removeTempDir(dir));

describe('serving the dashboard', () => {
  it('serves index.html at / with the page CSP and no-cache, and hashed assets cached for a year', async () => {
    const app = await serverOver(join(dir, 'built'));
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    const asset = await app.inject({ method: 'GET', url: '/assets/a-1.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await app.inject({ method: 'GET', url: '/assets/none.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    const outside = await app.inject({ method: 'GET', url: '/assets/..%2F..%2Fpackage.json' });
    expect(outside.statusCode).toBeGreaterThanOrEqual(400);
    await app.close();
  });

  it('answers 503 DASHBOARD_NOT_BUILT at / when there is no build, and serves it once built', async () => {
    const later = join(dir, 'later');
    const app = await serverOver(later);
    const before = await app.inject({ method: 'GET', url: '/' });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toMatchObject({ code: 'DASHBOARD_NOT_BUILT' });
    mkdirSync(later, { recursive: true });
    writeFileSync(join(later, 'index.html'), '<!doctype html><title>t</title>');
    const after = await app.inject({ method: 'GET', url: '/' });
    expect(after.statusCode).toBe(200);
    await app.close();
  });
});
