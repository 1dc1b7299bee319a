import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http-deps.js';

export function registerHealthRoutes(app: FastifyInstance, deps: HttpDeps) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Ready = broker connected, store reachable and accepting writes, spool below its bound. */
  app.get('/readyz', async (_request, reply) => {
    const readiness = await deps.readiness();
    return reply.status(readiness.ready ? 200 : 503).send(readiness);
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.metrics());
  });
}
