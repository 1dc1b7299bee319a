import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { installAuth } from './auth-plugin.js';
import { notFoundRoute, sendError } from './error-mapper.js';
import type { HttpDeps } from './http-deps.js';
import { accessPlugin } from './plugins/access-plugin.js';
import { accountingPlugin } from './plugins/accounting-plugin.js';
import { alertsPlugin } from './plugins/alerts-plugin.js';
import { dashboardPlugin } from './plugins/dashboard-plugin.js';
import { healthPlugin } from './plugins/health-plugin.js';
import { meterBaselinePlugin } from './plugins/meter-baseline-plugin.js';
import { meterHealthPlugin } from './plugins/meter-health-plugin.js';
import { metersPlugin } from './plugins/meters-plugin.js';
import { orgsPlugin } from './plugins/orgs-plugin.js';
import { periodsReviewPlugin } from './plugins/periods-review-plugin.js';
import { periodsPlugin } from './plugins/periods-plugin.js';
import { quotasPlugin } from './plugins/quotas-plugin.js';

/**
 * The HTTP server: zod schemas validate each request and serialise each answer,
 * the same schemas become the OpenAPI 3 document at /docs (JSON at /docs/json),
 * and every error leaves through the one mapper (error-mapper.ts).
 *
 * One encapsulated plugin per capability, each given only its part of the deps.
 * A new capability (alerts, periods, dashboard) adds a file in plugins/
 * and one `register` line below; its routes are documented by their schemas.
 *
 * Access control comes first (auth-plugin.ts): every route declares its access in
 * `config.access` (route-access.ts) or the server refuses to register it.
 */
export function createHttpServer(deps: HttpDeps, logger: Logger): FastifyInstance {
  const loggerInstance = logger.child({ module: 'http' }) as FastifyBaseLogger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.access.settings.bodyLimitBytes,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler(notFoundRoute);
  installAuth(app, deps.access);

  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'tanhe 碳核',
        description:
          'Energy metering and carbon accounting for public institutions. Errors are {code, message}; ' +
          'a request that fails its schema also lists every wrong parameter under problems.',
        version: '1',
      },
      tags: [
        { name: 'health', description: 'liveness, readiness, metrics' },
        { name: 'meters', description: 'the registry, raw readings, quarantined payloads' },
        { name: 'fleet', description: 'the organisation tree' },
        { name: 'accounting', description: 'consumption series and carbon reports' },
        { name: 'alerts', description: 'energy quotas, baselines, meter health and the alerts they raise' },
        {
          name: 'periods',
          description:
            'closed periods: signed revisions, diffs, verify, inclusion proofs; their review up the tree (三级直报审核)',
        },
        { name: 'access', description: 'API tokens and the audit log' },
      ],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token tnh_… or a JWT' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // The UI's assets are served from the installed package: /docs works without network access.
  // staticCSP: the UI's pages carry the policy its own scripts and styles need, in place of the API's stricter one;
  // the UI sets inline styles, and the service speaks plain HTTP (TLS, if any, ends at a proxy), so no upgrade.
  app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace("style-src 'self' https:", "style-src 'self' https: 'unsafe-inline'")
        .replace(/\s*upgrade-insecure-requests;?/, ''),
  });

  app.register(healthPlugin, {
    readiness: deps.readiness,
    metrics: deps.metrics,
    metricsToken: deps.access.settings.metricsToken,
  });
  app.register(metersPlugin, {
    store: deps.store,
    fleet: deps.fleet,
    nowMs: deps.nowMs,
    held: deps.accounting.heldReadings,
  });
  app.register(meterHealthPlugin, { health: deps.meterHealth, fleet: deps.fleet, nowMs: deps.nowMs });
  app.register(orgsPlugin, { fleet: deps.fleet, nowMs: deps.nowMs });
  app.register(accountingPlugin, {
    accounting: deps.accounting,
    nowMs: deps.nowMs,
    closedStatus: deps.periods.closedStatus,
    renderPdf: deps.renderPdf,
  });
  app.register(meterBaselinePlugin, { baseline: deps.baseline, nowMs: deps.nowMs });
  app.register(alertsPlugin, { alerts: deps.alerts });
  app.register(quotasPlugin, { quotas: deps.quotas, nowMs: deps.nowMs });
  app.register(periodsReviewPlugin, { review: deps.periodsReview });
  app.register(accessPlugin, deps.access);
  app.register(periodsPlugin, { periods: deps.periods, renderPdf: deps.renderPdf });
  app.register(dashboardPlugin, {});
  return app;
}
