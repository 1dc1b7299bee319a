import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { QuotaProgressItem } from '../../../alerts/index.js';
import { errorResponses } from '../error-mapper.js';
import type { QuotaProgressUseCase } from '../http-deps.js';
import { isoInstant, queryParam, requiredText } from '../query-schemas.js';

export interface QuotasPluginOptions {
  readonly quotas: QuotaProgressUseCase;
  readonly nowMs: () => number;
}

const YEAR_MESSAGE = 'year must be a four-digit year from 1990 to 2100';

const quotasQuery = z.object({
  org: requiredText('org', 'an org unit or institution id: the quotas of every institution at or under it'),
  year: queryParam(
    z
      .string()
      .describe("the quota year, e.g. 2026; the current local year in the org's time zone if absent")
      .transform((text, ctx) => {
        const year = /^\d{4}$/.test(text) ? Number(text) : NaN;
        if (year >= 1990 && year <= 2100) return year;
        ctx.addIssue({ code: 'custom', message: YEAR_MESSAGE, params: { code: 'BAD_YEAR' } });
        return z.NEVER;
      })
      .optional(),
  ),
});

const nullableNumber = z.number().nullable();

const quotaSchema = z.strictObject({
  institution: z.string(),
  year: z.number(),
  metric: z.string().describe('tce, kgce_per_m2, kgce_per_person, water_m3_per_person, co2_t'),
  scope: z.string().describe("'total', a carrier, or a 分项 code"),
  unit: z.string(),
  value: z.number().describe('the annual quota, in unit'),
  source: z
    .strictObject({
      kind: z.enum(['standard', 'historical', 'contract', 'manual']),
      tier: z.string().nullable().describe('standards: constraint 约束值, baseline 基准值, guide 引导值'),
      baselineYear: nullableNumber,
      baselineValue: nullableNumber,
      reductionPercent: nullableNumber,
      citation: z.string(),
    })
    .describe('where the quota comes from, with its citation'),
  status: z.enum(['not_started', 'in_progress', 'closed', 'error']),
  asOf: z.string(),
  allocation: z
    .strictObject({
      requested: z.string(),
      used: z.string().describe('last_year falls back to flat when last year is not complete'),
      shares: z.array(z.number()).describe("each month's share of the year, January first"),
      note: z.string().nullable(),
    })
    .nullable(),
  month: z
    .strictObject({
      label: z.string(),
      elapsedShare: z.number(),
      quota: z.number(),
      quotaToDate: z.number(),
      used: z.number(),
      percent: nullableNumber,
    })
    .nullable()
    .describe('month to date: the month holding the instant (December once the year has closed)'),
  yearToDate: z
    .strictObject({
      elapsedShare: z.number().describe("the allocation's share of the year elapsed"),
      quotaToDate: z.number(),
      used: z.number(),
      proratedPercent: nullableNumber,
      annualPercent: z.number(),
    })
    .nullable(),
  projection: z
    .strictObject({
      method: z.enum(['actual', 'last_year_shape', 'allocation_profile', 'none']),
      value: nullableNumber,
      percent: nullableNumber,
      ratioToLastYear: nullableNumber,
      note: z.string(),
    })
    .nullable(),
  months: z.array(
    z.strictObject({ label: z.string(), quota: z.number(), used: nullableNumber, lastYear: nullableNumber }),
  ),
  thresholdsCrossed: z
    .array(
      z.strictObject({
        rule: z.string(),
        window: z.string(),
        thresholdPercent: z.number(),
        percent: z.number(),
        severity: z.string(),
      }),
    )
    .describe('the findings that raise an alert as of the instant'),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});

const quotasResponse = z.strictObject({
  org: z.string(),
  year: z.number(),
  asOf: z.string(),
  quotas: z.array(quotaSchema),
});

/** The quotas route: HTTP in and out of the quota rules' progress use case, nothing more. */
export const quotasPlugin: FastifyPluginAsyncZod<QuotasPluginOptions> = async (app, { quotas, nowMs }) => {
  app.get(
    '/api/v1/quotas',
    {
      config: {
        access: { permission: 'alerts:read', target: (request) => ({ orgId: (request.query as { org: string }).org }) },
      },
      schema: {
        tags: ['alerts'],
        summary: 'energy quotas (能耗定额) of an org subtree for a year: progress to date and projection',
        querystring: quotasQuery,
        response: { 200: quotasResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { org, year } = request.query;
      const report = await quotas({ orgId: org, year, asOfMs: nowMs() });
      return {
        org: report.orgId,
        year: report.year,
        asOf: isoInstant(report.asOfMs),
        quotas: report.quotas.map((q) => quotaBody(q, report.asOfMs)),
      };
    },
  );
};

function quotaBody(item: QuotaProgressItem, asOfMs: number): z.output<typeof quotaSchema> {
  const { entry, progress } = item;
  const source = entry.source;
  return {
    institution: entry.institution,
    year: entry.year,
    metric: entry.metric,
    scope: entry.endUse ?? entry.carrier ?? 'total',
    unit: progress?.unit ?? '',
    value: item.value,
    source: {
      kind: source.kind,
      tier: source.kind === 'standard' ? source.tier : null,
      baselineYear: source.kind === 'historical' ? source.baselineYear : null,
      baselineValue: source.kind === 'historical' ? source.baselineValue : null,
      reductionPercent: source.kind === 'historical' ? source.reductionPercent : null,
      citation: source.citation,
    },
    status: progress?.status ?? 'error',
    asOf: isoInstant(asOfMs),
    allocation: progress ? { ...progress.allocation, shares: [...progress.allocation.shares] } : null,
    month: progress?.month
      ? {
          label: progress.month.label,
          elapsedShare: progress.month.elapsedShare,
          quota: progress.month.quota,
          quotaToDate: progress.month.quotaToDate,
          used: progress.month.used,
          percent: progress.month.percent,
        }
      : null,
    yearToDate: progress
      ? {
          elapsedShare: progress.yearToDate.elapsedShare,
          quotaToDate: progress.yearToDate.quotaToDate,
          used: progress.yearToDate.used,
          proratedPercent: progress.yearToDate.proratedPercent,
          annualPercent: progress.yearToDate.annualPercent,
        }
      : null,
    projection: progress ? { ...progress.projection } : null,
    months: progress ? progress.months.map((m) => ({ ...m })) : [],
    thresholdsCrossed: item.findings
      .filter((f) => f.verdict === 'raise')
      .map((f) => ({
        rule: f.rule,
        window: f.window,
        thresholdPercent: f.measured.threshold,
        percent: f.measured.value,
        severity: f.severity,
      })),
    error: item.error,
  };
}
