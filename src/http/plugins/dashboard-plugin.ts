import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/index.js';

/** Where `npm run build:dashboard` writes the page (src/dashboard/vite.config.ts). */
export const DASHBOARD_DIST_DIR = fileURLToPath(new URL('../../../dist/dashboard', import.meta.url));

export interface DashboardPluginOptions {
  /** The built page's directory; dist/dashboard unless a test points elsewhere. */
  readonly dir?: string;
}

/**
 * The page's policy, in place of the API's: scripts, styles, data and fonts from this origin only, no inline
 * script or style markup. ECharts and Preact set styles through the CSSOM (element.style), which a CSP does not
 * govern; the charts draw on canvas. No upgrade-insecure-requests: the service speaks plain HTTP (server.ts).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A year: the asset names carry their content hash (Vite), so a new build is a new URL. */
const ASSET_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

/**
 * The dashboard (docs/architecture.md, "Dashboard"): the static page built from src/dashboard, at `/`, its hashed
 * assets under `/assets/`. Public routes: the page holds no data, every figure comes from /api/v1 with the token
 * the officer logs in with. Without a build the service still starts; `/` answers 503 DASHBOARD_NOT_BUILT.
 */
export const dashboardPlugin: FastifyPluginAsyncZod<DashboardPluginOptions> = async (app, options) => {
  const dir = options.dir ?? DASHBOARD_DIST_DIR;
  const indexFile = join(dir, 'index.html');
  // serve: false: only reply.sendFile, on the two routes below, each declaring its access.
  await app.register(fastifyStatic, { root: dir, serve: false });

  // Checked per request, so a build made while the service runs is served without a restart.
  const built = () => {
    if (!existsSync(indexFile)) {
      throw new AppError('DASHBOARD_NOT_BUILT', `no dashboard at ${dir}: run npm run build:dashboard`);
    }
  };

  app.get('/', { config: { access: { public: true } }, schema: { hide: true } }, async (_request, reply) => {
    built();
    // no-cache: the page names the current build's assets, so a browser asks again each time (a 304 when same).
    return reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('cache-control', 'no-cache')
      .sendFile('index.html', dir, { cacheControl: false });
  });

  app.get(
    '/assets/*',
    {
      config: { access: { public: true } },
      schema: { hide: true, params: z.object({ '*': z.string() }) },
    },
    async (request, reply) => {
      built();
      return reply.sendFile(join('assets', request.params['*']), dir, {
        maxAge: ASSET_MAX_AGE_MS,
        immutable: true,
        dotfiles: 'deny',
      });
    },
  );
};
