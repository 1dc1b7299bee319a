import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CALENDAR_SOURCES, DAY_KINDS, type MeterBaselineQuery } from '../../../alerts/index.js';
import { AppError } from '../../kernel/index.js';
import { errorResponses } from '../error-mapper.js';
import { instantParam, isoInstant } from '../query-schemas.js';

export interface MeterBaselinePluginOptions {
  readonly baseline: MeterBaselineQuery;
  readonly nowMs: () => number;
}

const atParam = instantParam('at', 'the instant the baseline is shown as of; now if absent');

const bandSchema = z.object({
  key: z.string().describe('hour_of_week:<weekday 0=Sunday>:<HH>, working_hour:<HH> or non_working_hour:<HH>'),
  scope: z.enum(['hour_of_week', 'working_hour', 'non_working_hour']),
  weekday: z.number().nullable(),
  hour: z.number(),
  samples: z.number(),
  median: z.number().describe('meter unit per hour'),
  mad: z.number(),
  halfWidth: z.number().describe('max(k · 1.4826 · MAD, floor share · median, absolute floor)'),
  lower: z.number(),
  upper: z.number(),
});

const daySchema = z.object({
  date: z.string(),
  kind: z.enum(DAY_KINDS),
  working: z.boolean(),
  source: z.string().describe('chinese-days, weekday_fallback (a year the package does not cover), weekdays, override'),
  name: z.string().nullable(),
  note: z.string().nullable(),
});

const findingSchema = z.object({
  rule: z.string(),
  window: z.string(),
  verdict: z.enum(['raise', 'clear', 'hold']),
  severity: z.string(),
  measured: z.object({ value: z.number(), threshold: z.number(), unit: z.string() }),
  since: z.string(),
  details: z.record(z.string(), z.unknown()),
  summary: z.object({ en: z.string(), zh: z.string() }),
});

const baselineResponse = z.object({
  meter: z.string(),
  unit: z.string(),
  timezone: z.string(),
  at: z.string(),
  status: z.enum(['ok', 'insufficient_history', 'not_judged']),
  reason: z.string().nullable().describe('why the meter is not judged; null when it is'),
  learning: z.object({
    from: z.string(),
    to: z.string(),
    weeks: z.number(),
    learningDays: z.number().describe('local days with measured hours in the learning weeks'),
    minLearningDays: z.number(),
  }),
  judged: z.object({ from: z.string(), to: z.string(), hours: z.number() }),
  calendar: z.object({ source: z.enum(CALENDAR_SOURCES), coveredYears: z.array(z.number()) }),
  profile: z.array(bandSchema).describe("the evaluation day's profile, learned from the weeks before it"),
  days: z.array(daySchema).describe("the calendar's kind of every local day read"),
  findings: z.array(findingSchema).describe('the current verdicts of baseline_anomaly and off_hours_waste'),
});

/** GET /api/v1/meters/{id}/baseline: a meter's learned baseline and the baseline rules' verdicts (docs/alerts.md). */
export const meterBaselinePlugin: FastifyPluginAsyncZod<MeterBaselinePluginOptions> = async (
  app,
  { baseline, nowMs },
) => {
  app.get(
    '/api/v1/meters/:id/baseline',
    {
      config: {
        access: {
          permission: 'alerts:read',
          target: (request) => ({ meterId: (request.params as { id: string }).id }),
        },
      },
      schema: {
        tags: ['meters'],
        summary: "a meter's learned baseline, the working-day calendar it uses, and the baseline rules' verdicts",
        params: z.object({ id: z.string().describe('meter id') }),
        querystring: z.object({ at: atParam }),
        response: { 200: baselineResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const now = nowMs();
      const atMs = request.query.at ?? now;
      if (atMs > now) throw new AppError('BAD_TIME_RANGE', 'at lies in the future');
      const view = await baseline(request.params.id, atMs);
      return {
        meter: view.meterId,
        unit: view.unit,
        timezone: view.timeZone,
        at: isoInstant(view.asOfMs),
        status: view.status,
        reason: view.reason,
        learning: {
          from: isoInstant(view.learning.fromMs),
          to: isoInstant(view.learning.toMs),
          weeks: view.learning.weeks,
          learningDays: view.learning.learningDays,
          minLearningDays: view.learning.minLearningDays,
        },
        judged: { from: isoInstant(view.judged.fromMs), to: isoInstant(view.judged.toMs), hours: view.judged.hours },
        calendar: { source: view.calendar.source, coveredYears: [...view.calendar.coveredYears] },
        profile: view.profile.map((b) => ({ ...b })),
        days: view.days.map((d) => ({
          date: d.date,
          kind: d.kind,
          working: d.working,
          source: d.source,
          name: d.name ?? null,
          note: d.note ?? null,
        })),
        findings: view.findings.map((f) => ({
          rule: f.rule,
          window: f.window,
          verdict: f.verdict,
          severity: f.severity,
          measured: f.measured,
          since: isoInstant(f.sinceMs),
          details: { ...f.details },
          summary: f.summary,
        })),
      };
    },
  );
};
