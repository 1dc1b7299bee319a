import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Readiness } from '../http-deps.js';

export interface HealthPluginOptions {
  readonly readiness: () => Promise<Readiness>;
  readonly metrics: Registry;
  /** When set, /metrics needs `Authorization: Bearer <this>`; else it is open like the probes. */
  readonly metricsToken?: string | undefined;
}

const readinessSchema = z.object({
  ready: z.boolean(),
  broker: z.object({ connected: z.boolean() }),
  store: z.object({ reachable: z.boolean(), writing: z.boolean() }),
  spool: z.object({ backlogBytes: z.number(), backlogRecords: z.number(), full: z.boolean() }),
});

/** Liveness, readiness and Prometheus metrics: the routes an orchestrator and a scraper call. */
export const healthPlugin: FastifyPluginAsyncZod<HealthPluginOptions> = async (app, options) => {
  app.get(
    '/healthz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['health'],
        summary: 'the process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  /** Ready = broker connected, store reachable and accepting writes, spool below its bound. */
  app.get(
    '/readyz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['health'],
        summary: 'ready to take readings: 200 when broker, store and spool are fine, else 503 with the details',
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const readiness = await options.readiness();
      return reply.status(readiness.ready ? 200 : 503).send(readiness);
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: options.metricsToken ? { secretBearer: options.metricsToken } : { public: true } },
      schema: {
        tags: ['health'],
        summary: 'Prometheus text exposition: tanhe_ingest_*, tanhe_spool_*, tanhe_store_*, process metrics',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
      },
    },
    async (_request, reply) => {
      return reply.header('content-type', options.metrics.contentType).send(await options.metrics.metrics());
    },
  );
};
