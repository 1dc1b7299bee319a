import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ELECTRICITY_BASES,
  SERIES_BUCKETS,
  type ConsumptionSeries,
  type SeriesBucket,
} from '../../../accounting/index.js';
import { DAY_MS } from '../../kernel/index.js';
import { errorResponses } from '../error-mapper.js';
import type { AccountingUseCases, PeriodsUseCases, RenderPdf } from '../http-deps.js';
import { instantParam, isoInstant, queryParam, requiredText, timeRange } from '../query-schemas.js';
import { reportDocumentContent, reportFormatParam, reportLangParam, sendReportDocument } from '../report-documents.js';

export interface AccountingPluginOptions {
  readonly accounting: AccountingUseCases;
  readonly nowMs: () => number;
  /** The period's last closed revision, for the report's `closed` field (periods). */
  readonly closedStatus: PeriodsUseCases['closedStatus'];
  readonly renderPdf: RenderPdf;
}

/** Default ranges when from/to are left out: a day of hours, a month of days, a year of months. */
const DEFAULT_SPAN_MS: Record<SeriesBucket, number> = { hour: DAY_MS, day: 31 * DAY_MS, month: 366 * DAY_MS };

const consumptionQuery = z
  .object({
    meter: queryParam(z.string().optional().describe('a meter or virtual meter id; or give org')),
    org: queryParam(z.string().optional().describe('an org unit or institution id (a series per carrier); or meter')),
    from: instantParam('from', 'start of the range, widened to a whole bucket; one default span before now if absent'),
    to: instantParam('to', 'end of the range, widened to a whole bucket; now if absent'),
    bucket: queryParam(
      z.enum(SERIES_BUCKETS, { error: `bucket must be one of ${SERIES_BUCKETS.join(', ')}` }).default('day'),
    ),
  })
  .superRefine((query, ctx) => {
    if ((query.meter === undefined) === (query.org === undefined)) {
      const message = 'give exactly one of meter= and org=';
      ctx.addIssue({ code: 'custom', path: ['meter'], message, params: { code: 'BAD_REQUEST' } });
    }
  });

const bucketSchema = z.object({
  start: z.string(),
  end: z.string(),
  label: z.string().describe('local: 2026-10-01T08 (hour), 2026-10-01 (day), 2026-10 (month)'),
  consumption: z.number(),
  quality: z.string().describe('measured, estimated, partial, no_data, quarantined'),
  estimatedAmount: z.number(),
  estimatedShare: z.number(),
  quarantinedAmount: z.number(),
  receivedReadings: z.number(),
  expectedReadings: z.number(),
  completeness: z.number().nullable(),
});

const consumptionResponse = z.object({
  target: z.object({ kind: z.enum(['meter', 'virtual_meter', 'org']), id: z.string() }),
  timezone: z.string(),
  bucket: z.enum(SERIES_BUCKETS),
  from: z.string(),
  to: z.string(),
  series: z.array(
    z.object({
      carrier: z.string(),
      unit: z.string(),
      meters: z.array(z.string()),
      totals: z.looseObject({ consumption: z.number() }).describe('the bucket figures summed over the range'),
      buckets: z.array(bucketSchema),
    }),
  ),
});

const carbonReportQuery = z.object({
  org: requiredText('org', 'an org unit or institution id'),
  // Only presence is checked here: the report use case validates the period (format, not in the future) once.
  period: queryParam(
    z.string({ error: 'period is required: YYYY-MM or YYYY' }).describe("YYYY-MM or YYYY, in the org's time zone"),
  ),
  format: reportFormatParam,
  basis: queryParam(
    z
      .enum(ELECTRICITY_BASES, { error: `basis must be one of ${ELECTRICITY_BASES.join(', ')}` })
      .default('equivalent')
      .describe('electricity to standard coal: equivalent (当量值) or equal (等价值)'),
  ),
  lang: reportLangParam,
});

/**
 * The report's top level. The report's full type belongs to accounting
 * (accounting/core/carbon-report-types.ts): its nested parts are documented by
 * name here, not field by field, and every field the engine adds passes through.
 */
const part = (description: string) => z.unknown().describe(description);
const parts = (description: string) => z.array(z.unknown()).readonly().describe(description);

const carbonSummaryShape = {
  org: part('the node: id, name, level'),
  institutionCount: z.number(),
  lines: parts('per carrier and 分项: scope, method, consumption, kgce, CO2e, the cited factor entry'),
  totals: part('kgce, tce, scope 1, scope 2 location- and market-based'),
  waterM3: z.number(),
  denominators: part('floor area and occupants, time-weighted over the period'),
  intensity: part('per m² and per person'),
  completeness: part('received over expected readings of the root meters'),
  completenessToDate: part('the same, against the readings expected up to the report (a period in progress)'),
  readings: part('reading counts'),
  endUses: parts('分项 rows'),
  reviews: z.number().describe('quarantined intervals awaiting review, booked nowhere'),
  comparisons: part('against the same period last year, the baseline and the targets'),
};

const { org: reportOrg, ...summaryAfterOrg } = carbonSummaryShape;

const carbonReportResponse = z
  // In the order the engine writes the fields: the serialiser writes them in the schema's order.
  .looseObject({
    org: reportOrg,
    period: z.object({ label: z.string(), from: z.string(), to: z.string() }),
    timezone: z.string(),
    basis: z.enum(ELECTRICITY_BASES),
    basisLabel: z.string(),
    generatedAt: z.string(),
    inProgress: z.boolean(),
    dataCutoff: z.string(),
    methodologyVersion: z.string(),
    factorCatalogueVersion: z.string(),
    ...summaryAfterOrg,
    subMetering: parts('sub-metering balances: parent meter, sub-meters, unmetered remainder'),
    children: parts("each child's summary (the fields above without period and notes), one level"),
    notes: z.array(z.string()).readonly(),
    virtualMeters: parts('virtual meters of the institutions, listed beside the lines, never in them').optional(),
    closed: z
      .object({
        revision: z.number(),
        digest: z.string(),
        closedAt: z.string(),
        dataMovedSinceClose: z.boolean(),
        figuresChangedSinceClose: z.boolean().nullable(),
      })
      .optional()
      .describe('only for a closed period: its last revision, and whether the data or figures moved since'),
  })
  .meta({ id: 'CarbonReport' });

/** Consumption series and carbon reports: HTTP in and out of accounting's use cases, nothing more. */
export const accountingPlugin: FastifyPluginAsyncZod<AccountingPluginOptions> = async (
  app,
  { accounting, nowMs, closedStatus, renderPdf },
) => {
  /** A consumption series with quality flags for one meter (meter=) or one node of the tree (org=, per carrier). */
  app.get(
    '/api/v1/consumption',
    {
      config: {
        access: {
          permission: 'reports:read',
          target: (request) => {
            const { meter, org } = request.query as { meter?: string; org?: string };
            return meter !== undefined ? { meterId: meter } : { orgId: org ?? '' };
          },
        },
      },
      schema: {
        tags: ['accounting'],
        summary: "a consumption series cut in the institution's time zone, with quality flags",
        querystring: consumptionQuery,
        response: { 200: consumptionResponse, ...errorResponses(400, 404, 422) },
      },
    },
    async (request) => {
      const { meter, org, bucket } = request.query;
      const now = nowMs();
      const range = timeRange(request.query, { fromMs: now - DEFAULT_SPAN_MS[bucket], toMs: now });
      const target = meter !== undefined ? { meterId: meter } : { orgId: org ?? '' };
      return seriesBody(await accounting.consumption({ target, ...range, bucket }));
    },
  );

  /**
   * The carbon report of an org unit or institution for a month or a year: JSON, CSV (UTF-8, BOM, for Excel),
   * printable HTML, PDF (rendered by Chromium from the same HTML) or an Excel workbook. An open report: the
   * printed forms say that its figures may change (a closed period's signed revision is the periods' route).
   */
  app.get(
    '/api/v1/reports/carbon',
    {
      config: {
        access: {
          permission: 'reports:read',
          target: (request) => ({ orgId: (request.query as { org: string }).org }),
        },
      },
      schema: {
        tags: ['accounting'],
        summary: 'the monthly or annual carbon report: JSON, CSV (UTF-8 with BOM), printable HTML, PDF or Excel',
        querystring: carbonReportQuery,
        response: {
          200: {
            description: 'the report',
            content: reportDocumentContent(carbonReportResponse),
          },
          ...errorResponses(400, 404, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const { org: orgId, period, format, basis, lang } = request.query;
      const { report } = await accounting.carbonReport({ orgId, period, basis });
      // The schema is open to fields the engine adds; an interface has no index signature, hence the assertion.
      if (format === 'json') {
        const closed = await closedStatus({ orgId, period, basis }, report);
        const body = closed === undefined ? report : { ...report, closed };
        return body as z.output<typeof carbonReportResponse>;
      }
      return sendReportDocument(reply, report, { format, lang, name: `carbon-report-${orgId}-${period}` }, renderPdf);
    },
  );
};

function seriesBody(s: ConsumptionSeries) {
  return {
    target: s.target,
    timezone: s.timeZone,
    bucket: s.bucket,
    from: isoInstant(s.fromMs),
    to: isoInstant(s.toMs),
    series: s.series.map((c) => ({
      carrier: c.carrier,
      unit: c.unit,
      meters: [...c.meterIds],
      totals: c.totals,
      buckets: c.buckets.map((b) => ({
        start: isoInstant(b.startMs),
        end: isoInstant(b.endMs),
        label: b.label,
        consumption: b.consumption,
        quality: b.quality,
        estimatedAmount: b.estimatedAmount,
        estimatedShare: b.estimatedShare,
        quarantinedAmount: b.quarantinedAmount,
        receivedReadings: b.receivedReadings,
        expectedReadings: b.expectedReadings,
        completeness: b.completeness,
      })),
    })),
  };
}
