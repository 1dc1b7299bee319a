import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  REPORT_LANGS,
  carbonReportCsv,
  carbonReportHtml,
  carbonReportWorkbook,
  type CarbonReport,
  type ReportLang,
  type ReportSignature,
} from '../../accounting/index.js';
import type { RenderPdf } from './http-deps.js';
import { queryParam } from './query-schemas.js';

/**
 * A carbon report as a document: the open report (GET /api/v1/reports/carbon) and a
 * closed revision (GET /api/v1/periods/…/revisions/{n}) print the same way; the
 * revision's print carries its signature block (digest, key id, revision).
 */
export const REPORT_FORMATS = {
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  html: { contentType: 'text/html; charset=utf-8', extension: 'html' },
  pdf: { contentType: 'application/pdf', extension: 'pdf' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' },
} as const;
export type ReportFormat = keyof typeof REPORT_FORMATS;
const REPORT_FORMAT_NAMES = Object.keys(REPORT_FORMATS) as [ReportFormat, ...ReportFormat[]];

export const reportFormatParam = queryParam(
  z
    .enum(REPORT_FORMAT_NAMES, { error: `format must be one of ${REPORT_FORMAT_NAMES.join(', ')}` })
    .default('json')
    .describe('json; csv (UTF-8 with BOM); html and pdf (printable, A4); xlsx (Excel workbook)'),
);

export const reportLangParam = queryParam(
  z
    .enum(REPORT_LANGS, { error: 'lang must be zh or en' })
    .default('zh')
    .describe('language of the CSV, HTML, PDF and workbook labels and notes'),
);

/** The OpenAPI content of a report document answer, one entry per format. */
export const reportDocumentContent = <T extends z.ZodType>(json: T) => ({
  'application/json': { schema: json },
  'text/csv': { schema: z.string() },
  'text/html': { schema: z.string() },
  'application/pdf': { schema: z.string().meta({ format: 'binary' }) },
  [REPORT_FORMATS.xlsx.contentType]: { schema: z.string().meta({ format: 'binary' }) },
});

export interface ReportDocumentRequest {
  readonly format: Exclude<ReportFormat, 'json'>;
  readonly lang: ReportLang;
  /** The file name without its extension. */
  readonly name: string;
  readonly signature?: ReportSignature;
}

/** Sends the report as CSV, HTML (inline), PDF or Excel (attachments), with its content type and file name. */
export async function sendReportDocument(
  reply: FastifyReply,
  report: CarbonReport,
  { format, lang, name, signature }: ReportDocumentRequest,
  renderPdf: RenderPdf,
): Promise<FastifyReply> {
  const { contentType, extension } = REPORT_FORMATS[format];
  const filename = `${name}.${extension}`.replace(/[^A-Za-z0-9._-]/g, '_');
  // html is for the browser to show (inline); the other documents download.
  const disposition = format === 'html' ? 'inline' : 'attachment';
  reply.header('content-type', contentType).header('content-disposition', `${disposition}; filename="${filename}"`);
  const options = signature === undefined ? { lang } : { lang, signature };
  switch (format) {
    case 'csv':
      return reply.send(carbonReportCsv(report, { lang }));
    case 'html':
      return reply.send(carbonReportHtml(report, options));
    case 'pdf': {
      const html = carbonReportHtml(report, options);
      return reply.send(await renderPdf(html, { footer: `${report.org.name} · ${report.period.label}` }));
    }
    case 'xlsx':
      return reply.send(await carbonReportWorkbook(report, options));
  }
}
