import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sendError, notFoundRoute } from './error-mapper.js';
import type { HttpDeps } from './http-deps.js';
import { registerAccountingRoutes } from './routes/accounting-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerMeterRoutes } from './routes/meter-routes.js';

export function createHttpServer(deps: HttpDeps, logger: Logger): FastifyInstance {
  const app = Fastify({ loggerInstance: logger.child({ module: 'http' }) as FastifyBaseLogger });
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler(notFoundRoute);
  registerHealthRoutes(app, deps);
  registerMeterRoutes(app, deps);
  registerAccountingRoutes(app, deps);
  return app;
}
