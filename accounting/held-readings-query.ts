import { bucketBoundaries } from '../src/kernel/index.js';
import { heldReadings, type HeldReading } from './core/index.js';
import { meterSpec, timeZoneOf, type FleetView } from './fleet-view.js';
import type { AccountingStore } from './ports.js';
import { storeConsumption } from './store-consumption.js';

/**
 * The readings of one meter that the engine holds for review (an implausible
 * jump's top, an unexplained drop's foot, a reading that fits neither register
 * at a replacement, a conflicting rewrite), so that the readings API can flag
 * them: the same engine run as a report's, not a second set of rules
 * (docs/methodology.md). The range is widened to whole local days of the
 * meter's institution (the store's segments are per day) and the answer cut
 * back to [fromMs, toMs).
 */
export interface HeldReadingsQuery {
  readonly meterId: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface HeldReadingsDeps {
  readonly store: AccountingStore;
  readonly fleet: FleetView;
}

export function createHeldReadingsQuery(deps: HeldReadingsDeps): (query: HeldReadingsQuery) => Promise<HeldReading[]> {
  return async (query) => {
    const meter = deps.fleet.meter(query.meterId);
    if (meter === undefined) return [];
    const institution = deps.fleet.institutionOfMeter(meter.id);
    const timeZone = timeZoneOf(institution === undefined ? [] : [institution]);
    const days = bucketBoundaries(query.fromMs, query.toMs, 'day', timeZone);
    const fromMs = days[0];
    const toMs = days.at(-1);
    if (fromMs === undefined || toMs === undefined || days.length < 2) return [];
    const run = await storeConsumption(deps.store, {
      meters: [meterSpec(meter)],
      fromMs,
      toMs,
      timeZone,
      boundaries: [fromMs, toMs],
      segmentBucket: 'day',
    });
    const result = run.results.get(meter.id);
    if (result === undefined) return [];
    return heldReadings(result).filter((h) => h.tsMs >= query.fromMs && h.tsMs < query.toMs);
  };
}
