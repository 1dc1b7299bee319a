import { timeZoneOf, type AccountingStore, type FleetView } from '../accounting/index.js';
import { AppError, localDate, periodRange } from '../src/kernel/index.js';
import { sortLeaves, type MeterDayLeaf } from './core/index.js';

/**
 * A period's input leaves for an org subtree: every metered meter's register
 * segment per local day, as the store reduces it (accounting's registerSegments,
 * bucket 'day', over the whole period in the report's time zone), in tree order.
 * A day without a reading has no leaf. One store query per call.
 */
export type MeterDayLeaves = (orgId: string, period: string) => Promise<MeterDayLeaf[]>;

export function createMeterDayLeaves(deps: {
  readonly store: AccountingStore;
  readonly fleet: FleetView;
}): MeterDayLeaves {
  return async (orgId, period) => {
    const institutions = deps.fleet.institutionsUnder(orgId);
    if (institutions === undefined) throw new AppError('ORG_NOT_FOUND', `no organisation unit or institution ${orgId}`);
    const timeZone = timeZoneOf(institutions);
    const range = /^\d{4}(-\d{2})?$/.test(period) ? periodRange(period, timeZone) : undefined;
    if (range === undefined) throw new AppError('BAD_PERIOD', `period ${period} is not YYYY-MM or YYYY`);
    const meterIds = deps.fleet.metersOf(institutions.map((i) => i.id)).map((m) => m.id);
    if (meterIds.length === 0) return [];
    const segments = await deps.store.registerSegments({
      meterIds,
      fromMs: range.fromMs,
      toMs: range.toMs,
      bucket: 'day',
      timeZone,
    });
    return sortLeaves(
      segments.map((s) => ({
        meterId: s.meterId,
        day: localDate(s.bucketStartMs, timeZone),
        firstTsMs: s.firstTsMs,
        firstValue: s.firstValue,
        lastTsMs: s.lastTsMs,
        lastValue: s.lastValue,
        readings: s.readings,
        decreases: s.decreases,
        maxRatePerHour: s.maxRatePerHour,
      })),
    );
  };
}
