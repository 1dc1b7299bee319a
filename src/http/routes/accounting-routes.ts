import type { FastifyInstance } from 'fastify';
import { ELECTRICITY_BASES, SERIES_BUCKETS, carbonReportCsv, type ConsumptionSeries, type ElectricityBasis, type SeriesBucket } from '../../../accounting/index.js';
import { AppError, DAY_MS, localDate } from '../../kernel/index.js';
import type { HttpDeps } from '../http-deps.js';
import { required, single, timeRange, type Query } from '../query-params.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The value in force on a local date among effective-dated entries ({from, value}, ascending or not). */
function valueOn(entries: readonly { from: string; value: number }[], date: string): number | null {
  const inForce = entries.filter((e) => e.from <= date).sort((a, b) => (a.from < b.from ? -1 : 1)).at(-1);
  return inForce?.value ?? null;
}

/** Default ranges when from/to are left out: a day of hours, a month of days, a year of months. */
const DEFAULT_SPAN_MS: Record<SeriesBucket, number> = { hour: DAY_MS, day: 31 * DAY_MS, month: 366 * DAY_MS };

export function registerAccountingRoutes(app: FastifyInstance, deps: HttpDeps) {
  /** The organisation tree, flat with parents: org units, then institutions with their details. */
  app.get('/api/v1/orgs', async () => {
    const { fleet } = deps.fleet;
    const nowMs = deps.nowMs();
    const meterCount = new Map<string, number>();
    for (const meter of deps.fleet.meters()) {
      const institution = deps.fleet.institutionOf(meter).id;
      meterCount.set(institution, (meterCount.get(institution) ?? 0) + 1);
    }
    const orgs = fleet.orgs.map((o) => ({ id: o.id, name: o.name, level: o.level, parent: o.parent ?? null, kind: 'org' as const }));
    const institutions = fleet.institutions.map((i) => {
      const today = localDate(nowMs, i.timezone);
      return {
        id: i.id,
        name: i.name,
        level: 'institution',
        parent: i.org,
        kind: 'institution' as const,
        type: i.type,
        timezone: i.timezone,
        gridRegion: i.gridRegion ?? null,
        floorAreaM2: valueOn(i.floorAreaM2, today),
        occupants: valueOn(i.occupants, today),
        buildings: fleet.buildings.filter((b) => b.institution === i.id).map((b) => ({ id: b.id, name: b.name })),
        meterCount: meterCount.get(i.id) ?? 0,
      };
    });
    return { count: orgs.length + institutions.length, orgs: [...orgs, ...institutions] };
  });

  const accounting = deps.accounting;
  if (accounting === undefined) return;

  /** A consumption series with quality flags for one meter (meter=) or one node of the tree (org=, per carrier). */
  app.get('/api/v1/consumption', async (request) => {
    const query = request.query as Query;
    const meterId = single(query, 'meter');
    const orgId = single(query, 'org');
    if ((meterId === undefined) === (orgId === undefined)) throw new AppError('BAD_REQUEST', 'give exactly one of meter= and org=');
    const bucketText = single(query, 'bucket') ?? 'day';
    if (!(SERIES_BUCKETS as readonly string[]).includes(bucketText)) throw new AppError('BAD_BUCKET', `bucket must be one of ${SERIES_BUCKETS.join(', ')}`);
    const bucket = bucketText as SeriesBucket;
    const nowMs = deps.nowMs();
    const range = timeRange(query, { fromMs: nowMs - DEFAULT_SPAN_MS[bucket], toMs: nowMs });
    const target = meterId !== undefined ? { meterId } : { orgId: orgId as string };
    return seriesBody(await accounting.consumption({ target, ...range, bucket }));
  });

  /** The carbon report of an org unit or institution for a month or a year, as JSON or CSV (UTF-8 with BOM, for Excel). */
  app.get('/api/v1/reports/carbon', async (request, reply) => {
    const query = request.query as Query;
    const orgId = required(query, 'org');
    const period = single(query, 'period');
    if (period === undefined) throw new AppError('BAD_PERIOD', 'period is required: YYYY-MM or YYYY');
    const format = single(query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new AppError('BAD_FORMAT', 'format must be json or csv');
    const basis = single(query, 'basis') ?? 'equivalent';
    if (!(ELECTRICITY_BASES as readonly string[]).includes(basis)) throw new AppError('BAD_REQUEST', `basis must be one of ${ELECTRICITY_BASES.join(', ')}`);
    const { report } = await accounting.carbonReport({ orgId, period, basis: basis as ElectricityBasis });
    if (format === 'json') return report;
    const filename = `carbon-report-${orgId}-${period}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(carbonReportCsv(report));
  });
}

function seriesBody(s: ConsumptionSeries) {
  return {
    target: s.target,
    timezone: s.timeZone,
    bucket: s.bucket,
    from: iso(s.fromMs),
    to: iso(s.toMs),
    series: s.series.map((c) => ({
      carrier: c.carrier,
      unit: c.unit,
      meters: c.meterIds,
      totals: c.totals,
      buckets: c.buckets.map((b) => ({
        start: iso(b.startMs),
        end: iso(b.endMs),
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
