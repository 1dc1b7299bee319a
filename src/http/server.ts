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
import { notFoundRoute, sendError } from './error-mapper.js';
import type { HttpDeps } from './http-deps.js';
import { accountingPlugin } from './plugins/accounting-plugin.js';
import { alertsPlugin } from './plugins/alerts-plugin.js';
import { healthPlugin } from './plugins/health-plugin.js';
import { meterBaselinePlugin } from './plugins/meter-baseline-plugin.js';
import { meterHealthPlugin } from './plugins/meter-health-plugin.js';
import { metersPlugin } from './plugins/meters-plugin.js';
import { orgsPlugin } from './plugins/orgs-plugin.js';
import { quotasPlugin } from './plugins/quotas-plugin.js';

/**
 * The HTTP server: zod schemas validate each request and serialise each answer,
 * the same schemas become the OpenAPI 3 document at /docs (JSON at /docs/json),
 * and every error leaves through the one mapper (error-mapper.ts).
 *
 * One encapsulated plugin per capability, each given only its part of the deps.
 * A new capability (alerts, periods, auth, dashboard) adds a file in plugins/
 * and one `register` line below; its routes are documented by their schemas.
 */
export function createHttpServer(deps: HttpDeps, logger: Logger): FastifyInstance {
  const loggerInstance = logger.child({ module: 'http' }) as FastifyBaseLogger;
  const app = Fastify({ loggerInstance }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler(notFoundRoute);

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
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // The UI's assets are served from the installed package: /docs works without network access.
  app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.register(healthPlugin, { readiness: deps.readiness, metrics: deps.metrics });
  app.register(metersPlugin, {
    store: deps.store,
    fleet: deps.fleet,
    nowMs: deps.nowMs,
    held: deps.accounting.heldReadings,
  });
  app.register(meterHealthPlugin, { health: deps.meterHealth, fleet: deps.fleet, nowMs: deps.nowMs });
  app.register(orgsPlugin, { fleet: deps.fleet, nowMs: deps.nowMs });
  app.register(accountingPlugin, { accounting: deps.accounting, nowMs: deps.nowMs, renderPdf: deps.renderPdf });
  app.register(meterBaselinePlugin, { baseline: deps.baseline, nowMs: deps.nowMs });
  app.register(alertsPlugin, { alerts: deps.alerts });
  app.register(quotasPlugin, { quotas: deps.quotas, nowMs: deps.nowMs });
  return app;
}
