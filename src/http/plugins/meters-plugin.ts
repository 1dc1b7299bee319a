import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HeldReading } from '../../../accounting/index.js';
import { METER_REPORTING_STATES, meterReportingState } from '../../../alerts/index.js';
import type { FleetRegistry } from '../../../config/index.js';
import { AppError, DAY_MS, MINUTE_MS, REJECTION_REASONS } from '../../kernel/index.js';
import { errorResponses } from '../error-mapper.js';
import type { AccountingUseCases, MeterReads } from '../http-deps.js';
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
  /** The readings the accounting engine holds for review, to flag them. */
  readonly held: AccountingUseCases['heldReadings'];
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
  // [ts] or [ts, value]: a page may end inside an instant that has several stored values.
  cursor: cursorParam((parts) => {
    const [afterTsMs, afterValue] = parts;
    if (!isSafeInteger(afterTsMs)) return undefined;
    if (afterValue === undefined) return { afterTsMs };
    return typeof afterValue === 'number' && Number.isFinite(afterValue) ? { afterTsMs, afterValue } : undefined;
  }),
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
      review: z
        .string()
        .nullable()
        .describe(
          'why the accounting engine holds this reading for review (e.g. implausible_jump, conflicting_duplicate);' +
            ' null when it is booked as it stands',
        ),
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
  conflicts: z
    .array(
      z.object({
        meter: z.string(),
        ts: z.string(),
        values: z.array(z.number()),
        reason: z.literal('conflicting_duplicate'),
      }),
    )
    .describe(
      'stored readings with several values for one (meter, device timestamp) in [from, to) of device time,' +
        ' at most limit, on the first page only (every value is kept; the engine books the highest and lists' +
        ' the conflict under the report reviews)',
    ),
  nextCursor: z.string().nullable(),
});

/** The meter registry with each meter's reporting state, raw readings and quarantined payloads. */
export const metersPlugin: FastifyPluginAsyncZod<MetersPluginOptions> = async (app, { store, fleet, nowMs, held }) => {
  app.get(
    '/api/v1/meters',
    {
      // The caller's subtree's meters only (a grant at the fleet root sees them all).
      config: { access: { permission: 'reports:read', filtersToScope: true } },
      schema: {
        tags: ['meters'],
        summary: "the registry with each meter's last reading time and state",
        response: { 200: z.object({ count: z.number(), meters: z.array(meterSchema) }), ...errorResponses() },
      },
    },
    async (request) => {
      const summaries = await store.meterSummaries();
      const now = nowMs();
      const covers = request.covers ?? (() => false);
      const visible = fleet.meters().filter((m) => covers(fleet.institutionOf(m).id));
      const meters = visible.map((m) => {
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
      config: {
        access: { permission: 'reports:read', target: (request) => ({ meterId: queryOf(request).meter ?? '' }) },
      },
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
      const [rows, heldRows] = await Promise.all([
        store.readings({ meterId, ...range, limit: max + 1, ...cursor }),
        held({ meterId, ...range }),
      ]);
      const reviewOf = reviewLookup(heldRows);
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
          review: reviewOf(r.tsMs, r.value),
        })),
        nextCursor: rows.length > max && last ? encodeCursor([last.tsMs, last.value]) : null,
      };
    },
  );

  /** Quarantined payloads in [from, to) of arrival time, optionally one reason, paged. */
  app.get(
    '/api/v1/quarantine',
    {
      // Quarantined payloads are mostly ones no meter could be found for: fleet-wide data, for a grant at the root.
      config: { access: { permission: 'reports:read' } },
      schema: {
        tags: ['meters'],
        summary:
          'quarantined payloads with topic, arrival time, reason code and raw payload, paged;' +
          ' and the stored conflicting values of one instant',
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
      const withConflicts = cursor === undefined && (reason === undefined || reason === 'conflicting_duplicate');
      const [rows, conflicts] = await Promise.all([
        store.quarantine({ ...range, limit: max + 1, ...(reason ? { reason } : {}), ...after }),
        withConflicts ? store.conflicts({ ...range, limit: max }) : [],
      ]);
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
        conflicts: conflicts.map((c) => ({
          meter: c.meterId,
          ts: isoInstant(c.tsMs),
          values: [...c.values],
          reason: 'conflicting_duplicate' as const,
        })),
        nextCursor: rows.length > max && last ? encodeCursor([last.receivedAtMs, last.id]) : null,
      };
    },
  );
};

/**
 * The review reason of a stored reading: a held reading matches its own value; a
 * conflict flags every value stored at its instant (the engine books one of them).
 */
function reviewLookup(held: readonly HeldReading[]): (tsMs: number, value: number) => string | null {
  const byTs = new Map<number, HeldReading[]>();
  for (const h of held) byTs.set(h.tsMs, [...(byTs.get(h.tsMs) ?? []), h]);
  return (tsMs, value) => {
    const match = byTs.get(tsMs)?.find((h) => h.value === value || h.reason === 'conflicting_duplicate');
    return match?.reason ?? null;
  };
}

function isSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

const queryOf = (request: FastifyRequest) => request.query as { readonly meter?: string };
