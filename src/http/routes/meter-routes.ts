import type { FastifyInstance } from 'fastify';
import { AppError, isRejectionReason, MINUTE_MS, DAY_MS } from '../../kernel/index.js';
import type { HttpDeps } from '../http-deps.js';
import { decodeCursor, encodeCursor, limit, required, single, timeRange, type Query } from '../query-params.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function registerMeterRoutes(app: FastifyInstance, deps: HttpDeps) {
  /** The registry, with each meter's last reading and whether it reports on time. */
  app.get('/api/v1/meters', async () => {
    const summaries = await deps.store.meterSummaries();
    const nowMs = deps.nowMs();
    const meters = deps.fleet.meters().map((m) => {
      const summary = summaries.get(m.id);
      const lateAfterMs = 2 * m.expectedIntervalMinutes * MINUTE_MS;
      const state = !summary ? 'never_reported' : nowMs - summary.lastTsMs > lateAfterMs ? 'late' : 'reporting';
      return {
        id: m.id,
        name: m.name ?? null,
        building: m.building,
        institution: deps.fleet.buildingOf(m).institution,
        carrier: m.carrier,
        unit: m.unit,
        register: m.register,
        multiplier: m.multiplier,
        parent: m.parent ?? null,
        endUse: m.endUse ?? null,
        codec: m.codec.kind,
        expectedIntervalMinutes: m.expectedIntervalMinutes,
        lastReadingAt: summary ? iso(summary.lastTsMs) : null,
        lastReceivedAt: summary ? iso(summary.lastReceivedAtMs) : null,
        readings: summary?.readings ?? 0,
        state,
      };
    });
    return { count: meters.length, meters };
  });

  /** Raw readings of one meter in [from, to), ascending, paged by cursor. */
  app.get('/api/v1/readings', async (request) => {
    const query = request.query as Query;
    const meterId = required(query, 'meter');
    if (!deps.fleet.meter(meterId)) throw new AppError('METER_NOT_FOUND', `no meter ${meterId}`);
    const nowMs = deps.nowMs();
    const range = timeRange(query, { fromMs: nowMs - DAY_MS, toMs: nowMs + MINUTE_MS });
    const max = limit(query, 1000, 10_000);
    const cursor = decodeCursor(single(query, 'cursor'));
    const afterTsMs = cursor === undefined ? undefined : cursorNumber(cursor[0]);
    const rows = await deps.store.readings({ meterId, ...range, limit: max + 1, ...(afterTsMs !== undefined ? { afterTsMs } : {}) });
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return {
      meter: meterId,
      unit: deps.fleet.meter(meterId)?.unit,
      from: iso(range.fromMs),
      to: iso(range.toMs),
      count: page.length,
      items: page.map((r) => ({ ts: iso(r.tsMs), value: r.value, seq: r.seq, receivedAt: iso(r.receivedAtMs), quality: r.quality })),
      nextCursor: rows.length > max && last ? encodeCursor([last.tsMs]) : null,
    };
  });

  /** Quarantined payloads in [from, to) of arrival time, optionally one reason, paged. */
  app.get('/api/v1/quarantine', async (request) => {
    const query = request.query as Query;
    const nowMs = deps.nowMs();
    const range = timeRange(query, { fromMs: nowMs - DAY_MS, toMs: nowMs + MINUTE_MS });
    const reason = single(query, 'reason');
    if (reason !== undefined && !isRejectionReason(reason)) throw new AppError('BAD_REASON', `unknown reason ${reason}`);
    const max = limit(query, 100, 5000);
    const cursor = decodeCursor(single(query, 'cursor'));
    const after = cursor === undefined ? undefined : { receivedAtMs: cursorNumber(cursor[0]), id: cursorString(cursor[1]) };
    const rows = await deps.store.quarantine({ ...range, limit: max + 1, ...(reason ? { reason } : {}), ...(after ? { after } : {}) });
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return {
      from: iso(range.fromMs),
      to: iso(range.toMs),
      count: page.length,
      items: page.map((q) => ({ id: q.id, receivedAt: iso(q.receivedAtMs), topic: q.topic, meter: q.meterId, reason: q.reason, detail: q.detail, payload: q.payload })),
      nextCursor: rows.length > max && last ? encodeCursor([last.receivedAtMs, last.id]) : null,
    };
  });
}

function cursorNumber(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new AppError('BAD_CURSOR', 'cursor is not one this service issued');
  return value;
}

function cursorString(value: unknown): string {
  if (typeof value !== 'string') throw new AppError('BAD_CURSOR', 'cursor is not one this service issued');
  return value;
}
