import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { METER_REPORTING_STATES, meterReportingState } from '../../../ingest/index.js';
import type { FleetRegistry } from '../../../config/index.js';
import { AppError, DAY_MS, MINUTE_MS, REJECTION_REASONS } from '../../kernel/index.js';
import { errorResponses } from '../error-mapper.js';
import type { MeterReads } from '../http-deps.js';
import {
  cursorParam,
  encodeCursor,
  instantParam,
  isoInstant,
  limitParam,
  queryParam,
  requiredText,
  timeRange,
} from '../query-schemas.js';

export interface MetersPluginOptions {
  readonly store: MeterReads;
  readonly fleet: FleetRegistry;
  readonly nowMs: () => number;
}

const meterSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  building: z.string(),
  institution: z.string(),
  carrier: z.string(),
  unit: z.string(),
  register: z.string().describe('cumulative or interval'),
  multiplier: z.number(),
  parent: z.string().nullable(),
  endUse: z.string().nullable(),
  codec: z.string(),
  expectedIntervalMinutes: z.number(),
  lastReadingAt: z.string().nullable(),
  lastReceivedAt: z.string().nullable(),
  readings: z.number(),
  state: z.enum(METER_REPORTING_STATES).describe('late after two expected intervals without a reading'),
});

const readingsQuery = z.object({
  meter: requiredText('meter', 'meter id'),
  from: instantParam('from', 'start of the range (included); 24 h before now if absent'),
  to: instantParam('to', 'end of the range (excluded); now if absent'),
  limit: limitParam(1000, 10_000),
  cursor: cursorParam((parts) => (isSafeInteger(parts[0]) ? { afterTsMs: parts[0] } : undefined)),
});

const readingsResponse = z.object({
  meter: z.string(),
  unit: z.string(),
  from: z.string(),
  to: z.string(),
  count: z.number(),
  items: z.array(
    z.object({
      ts: z.string(),
      value: z.number(),
      seq: z.number().nullable(),
      receivedAt: z.string(),
      quality: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

const quarantineQuery = z.object({
  from: instantParam('from', 'start of the arrival-time range (included); 24 h before now if absent'),
  to: instantParam('to', 'end of the arrival-time range (excluded); now if absent'),
  reason: queryParam(z.enum(REJECTION_REASONS, { error: 'unknown reason code' }).optional()),
  limit: limitParam(100, 5000),
  cursor: cursorParam((parts) => {
    const [receivedAtMs, id] = parts;
    return isSafeInteger(receivedAtMs) && typeof id === 'string' ? { receivedAtMs, id } : undefined;
  }),
});

const quarantineResponse = z.object({
  from: z.string(),
  to: z.string(),
  count: z.number(),
  items: z.array(
    z.object({
      id: z.string(),
      receivedAt: z.string(),
      topic: z.string(),
      meter: z.string().nullable(),
      reason: z.enum(REJECTION_REASONS),
      detail: z.string(),
      payload: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** The meter registry with each meter's reporting state, raw readings and quarantined payloads. */
export const metersPlugin: FastifyPluginAsyncZod<MetersPluginOptions> = async (app, { store, fleet, nowMs }) => {
  app.get(
    '/api/v1/meters',
    {
      schema: {
        tags: ['meters'],
        summary: "the registry with each meter's last reading time and state",
        response: { 200: z.object({ count: z.number(), meters: z.array(meterSchema) }), ...errorResponses() },
      },
    },
    async () => {
      const summaries = await store.meterSummaries();
      const now = nowMs();
      const meters = fleet.meters().map((m) => {
        const summary = summaries.get(m.id);
        return {
          id: m.id,
          name: m.name ?? null,
          building: m.building,
          institution: fleet.buildingOf(m).institution,
          carrier: m.carrier,
          unit: m.unit,
          register: m.register,
          multiplier: m.multiplier,
          parent: m.parent ?? null,
          endUse: m.endUse ?? null,
          codec: m.codec.kind,
          expectedIntervalMinutes: m.expectedIntervalMinutes,
          lastReadingAt: summary ? isoInstant(summary.lastTsMs) : null,
          lastReceivedAt: summary ? isoInstant(summary.lastReceivedAtMs) : null,
          readings: summary?.readings ?? 0,
          state: meterReportingState(summary?.lastTsMs, m.expectedIntervalMinutes, now),
        };
      });
      return { count: meters.length, meters };
    },
  );

  /** Raw readings of one meter in [from, to), ascending, paged by cursor. */
  app.get(
    '/api/v1/readings',
    {
      schema: {
        tags: ['meters'],
        summary: 'raw readings of one meter in [from, to), ascending, paged',
        querystring: readingsQuery,
        response: { 200: readingsResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { meter: meterId, cursor } = request.query;
      const meter = fleet.meter(meterId);
      if (meter === undefined) throw new AppError('METER_NOT_FOUND', `no meter ${meterId}`);
      const now = nowMs();
      const range = timeRange(request.query, { fromMs: now - DAY_MS, toMs: now + MINUTE_MS });
      const max = request.query.limit ?? 1000;
      const rows = await store.readings({ meterId, ...range, limit: max + 1, ...cursor });
      const page = rows.slice(0, max);
      const last = page[page.length - 1];
      return {
        meter: meterId,
        unit: meter.unit,
        from: isoInstant(range.fromMs),
        to: isoInstant(range.toMs),
        count: page.length,
        items: page.map((r) => ({
          ts: isoInstant(r.tsMs),
          value: r.value,
          seq: r.seq,
          receivedAt: isoInstant(r.receivedAtMs),
          quality: r.quality,
        })),
        nextCursor: rows.length > max && last ? encodeCursor([last.tsMs]) : null,
      };
    },
  );

  /** Quarantined payloads in [from, to) of arrival time, optionally one reason, paged. */
  app.get(
    '/api/v1/quarantine',
    {
      schema: {
        tags: ['meters'],
        summary: 'quarantined payloads with topic, arrival time, reason code and raw payload, paged',
        querystring: quarantineQuery,
        response: { 200: quarantineResponse, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { reason, cursor } = request.query;
      const now = nowMs();
      const range = timeRange(request.query, { fromMs: now - DAY_MS, toMs: now + MINUTE_MS });
      const max = request.query.limit ?? 100;
      const after = cursor === undefined ? {} : { after: cursor };
      const rows = await store.quarantine({ ...range, limit: max + 1, ...(reason ? { reason } : {}), ...after });
      const page = rows.slice(0, max);
      const last = page[page.length - 1];
      return {
        from: isoInstant(range.fromMs),
        to: isoInstant(range.toMs),
        count: page.length,
        items: page.map((q) => ({
          id: q.id,
          receivedAt: isoInstant(q.receivedAtMs),
          topic: q.topic,
          meter: q.meterId,
          reason: q.reason,
          detail: q.detail,
          payload: q.payload,
        })),
        nextCursor: rows.length > max && last ? encodeCursor([last.receivedAtMs, last.id]) : null,
      };
    },
  );
};

function isSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
