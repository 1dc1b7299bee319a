import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createFleetView } from '../../../accounting/index.js';
import { ALERT_SEVERITIES, alertIdOf, METER_HEALTH_RULES } from '../../../alerts/index.js';
import type { FleetRegistry } from '../../../config/index.js';
import { AppError } from '../../kernel/index.js';
import { errorResponses } from '../error-mapper.js';
import type { MeterHealthCheck } from '../http-deps.js';
import { instantParam, isoInstant, requiredText } from '../query-schemas.js';

export interface MeterHealthPluginOptions {
  readonly health: MeterHealthCheck;
  readonly fleet: FleetRegistry;
  readonly nowMs: () => number;
}

const healthParams = z.object({ id: z.string().describe('meter id') });

const healthQuery = z.object({
  at: instantParam('at', 'the instant to judge as of (not in the future); now if absent'),
});

const findingSchema = z.object({
  rule: z.enum(METER_HEALTH_RULES),
  alertId: z.string().describe('the id of the alert this finding raises or resolves (GET /api/v1/alerts)'),
  verdict: z
    .enum(['raise', 'clear', 'hold'])
    .describe('raise: the condition holds; clear: it does not; hold: inside the hysteresis band, nothing changes'),
  severity: z.enum(ALERT_SEVERITIES),
  window: z.string().describe("the de-duplication window: the episode's start (ISO) or local day; none without one"),
  measured: z.object({ value: z.number(), threshold: z.number(), unit: z.string() }),
  since: z.string().describe('when the condition began (device time)'),
  details: z.record(z.string(), z.unknown()).describe("the rule's figures"),
  summary: z.object({ en: z.string(), zh: z.string() }),
});

const healthResponse = z.object({
  meter: z.string(),
  at: z.string(),
  findings: z.array(findingSchema),
});

const orgHealthQuery = z.object({
  org: requiredText('org', 'an org unit or institution id: the health of every meter under it'),
  at: instantParam('at', 'the instant to judge as of (not in the future); now if absent'),
});

const orgHealthResponse = z.object({
  org: z.string(),
  at: z.string(),
  meters: z
    .array(z.object({ meter: z.string(), findings: z.array(findingSchema) }))
    .describe('every meter of the institutions under the org, in the registry order'),
});

/** One meter's health as of an instant: every meter-health rule's finding, with its figures (docs/alerts.md). */
export const meterHealthPlugin: FastifyPluginAsyncZod<MeterHealthPluginOptions> = async (
  app,
  { health, fleet, nowMs },
) => {
  // Accounting's walk of the org tree: the institutions at or under a node, and their meters in registry order.
  const tree = createFleetView(fleet.fleet);
  app.get(
    '/api/v1/meters/:id/health',
    {
      config: {
        access: {
          permission: 'alerts:read',
          target: (request) => ({ meterId: (request.params as { id: string }).id }),
        },
      },
      schema: {
        tags: ['meters'],
        summary: "every meter-health rule's finding for one meter as of an instant (offline, stuck, gaps, skew …)",
        params: healthParams,
        querystring: healthQuery,
        response: { 200: healthResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (fleet.meter(id) === undefined) throw new AppError('METER_NOT_FOUND', `no meter ${id}`);
      const now = nowMs();
      const atMs = request.query.at ?? now;
      if (atMs > now) throw new AppError('BAD_TIME_RANGE', 'at must not be in the future');
      return { meter: id, at: isoInstant(atMs), findings: findingsBody(await health.evaluateMeter(id, atMs)) };
    },
  );

  /** The health of every meter under an org unit or institution in one request (the dashboard's meter table). */
  app.get(
    '/api/v1/meter-health',
    {
      config: {
        access: {
          permission: 'alerts:read',
          target: (request) => ({ orgId: (request.query as { org: string }).org }),
        },
      },
      schema: {
        tags: ['meters'],
        summary: "every meter-health rule's finding for each meter under an org unit or institution, as of an instant",
        querystring: orgHealthQuery,
        response: { 200: orgHealthResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { org } = request.query;
      const institutions = tree.institutionsUnder(org);
      if (institutions === undefined) throw new AppError('ORG_NOT_FOUND', `no org unit or institution ${org}`);
      const now = nowMs();
      const atMs = request.query.at ?? now;
      if (atMs > now) throw new AppError('BAD_TIME_RANGE', 'at must not be in the future');
      const meters = tree.metersOf(institutions.map((i) => i.id));
      // One pass for the list: each input is read once for all the meters, not once per meter.
      const findings = await health.evaluateMeters(
        meters.map((m) => m.id),
        atMs,
      );
      return {
        org,
        at: isoInstant(atMs),
        meters: meters.map((m) => ({ meter: m.id, findings: findingsBody(findings.get(m.id) ?? []) })),
      };
    },
  );
};

function findingsBody(findings: Awaited<ReturnType<MeterHealthCheck['evaluateMeter']>>) {
  return findings.flatMap((f) => {
    const rule = METER_HEALTH_RULES.find((r) => r === f.rule);
    if (rule === undefined) return [];
    return [
      {
        rule,
        alertId: alertIdOf(f),
        verdict: f.verdict,
        severity: f.severity,
        window: f.window,
        measured: f.measured,
        since: isoInstant(f.sinceMs),
        details: { ...f.details },
        summary: f.summary,
      },
    ];
  });
}
