import {
  AppError,
  baseUnitOf,
  bucketBoundaries,
  bucketLabel,
  bucketStart,
  type Carrier,
  CARRIERS,
  DAY_MS,
  toBaseUnit,
  type Unit,
} from '../src/kernel/index.js';
import {
  evaluateVirtualMeter,
  type BucketQuality,
  type ConsumptionBucket,
  type ResolvedVirtualMeter,
} from './core/index.js';
import { meterSpec, timeZoneOf, type FleetView } from './fleet-view.js';
import type { AccountingStore, MeterConfig, SegmentBucket } from './ports.js';
import { createClosedDaysCache, type ClosedDaysCache } from './closed-days-store.js';
import { storeConsumption } from './store-consumption.js';

/**
 * A consumption series for one meter or one node of the organisation tree
 * (issue 3 §8). Buckets are whole local hours, days or months of the zone of
 * the meter's (or the node's) institutions: the range is widened to them.
 *
 * A node's series is per carrier and never mixes carriers or units: meters of a
 * carrier are converted to the carrier's base unit where the conversion is exact
 * (kWh/MWh, GJ/MJ); a unit without an exact conversion (litres of diesel) keeps
 * its own series. Only root meters (without a parent meter) are summed: a
 * sub-meter's energy is already in its parent's register.
 *
 * A virtual meter (meter=<virtual id>) is evaluated per bucket from the buckets
 * of the real meters its expression expands to (accounting/core/virtual-meters.ts):
 * a negative bucket is kept, its completeness is the lowest of its meters'.
 */

export const SERIES_BUCKETS = ['hour', 'day', 'month'] as const;
export type SeriesBucket = (typeof SERIES_BUCKETS)[number];

/** The longest range per bucket size: more would be a bulk export, not a series. */
export const MAX_RANGE_DAYS: Record<SeriesBucket, number> = { hour: 31, day: 1_100, month: 20 * 366 };

export type ConsumptionTarget = { readonly meterId: string } | { readonly orgId: string };

export interface ConsumptionQuery {
  readonly target: ConsumptionTarget;
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucket: SeriesBucket;
}

export interface SeriesBucketFigures {
  readonly startMs: number;
  readonly endMs: number;
  /** Local label: 2026-10-01T08 (hour), 2026-10-01 (day), 2026-10 (month). */
  readonly label: string;
  readonly consumption: number;
  readonly estimatedAmount: number;
  /** estimatedAmount / consumption; 0 when nothing is booked. */
  readonly estimatedShare: number;
  readonly quarantinedAmount: number;
  readonly receivedReadings: number;
  readonly expectedReadings: number;
  /** receivedReadings / expectedReadings (can exceed 1 when a meter reports more often than configured). */
  readonly completeness: number | null;
  readonly quality: BucketQuality;
}

export interface CarrierSeries {
  readonly carrier: string;
  readonly unit: string;
  readonly meterIds: readonly string[];
  readonly buckets: readonly SeriesBucketFigures[];
  /** The bucket figures summed over the range (without bucket times, label and quality). */
  readonly totals: Omit<SeriesBucketFigures, 'startMs' | 'endMs' | 'label' | 'quality'>;
}

export interface ConsumptionSeries {
  readonly target: { readonly kind: 'meter' | 'virtual_meter' | 'org'; readonly id: string };
  readonly timeZone: string;
  readonly bucket: SeriesBucket;
  readonly fromMs: number;
  readonly toMs: number;
  readonly series: readonly CarrierSeries[];
}

export interface MeterConsumptionDeps {
  readonly store: AccountingStore;
  readonly fleet: FleetView;
  /**
   * The store's answers for the days before today, kept while their readings are unchanged
   * (closed-days-store.ts): a new one by default, `false` for none.
   */
  readonly closedDays?: ClosedDaysCache | false;
  /** The clock that says where today starts (default Date.now). */
  readonly nowMs?: () => number;
}

const SEGMENT_BUCKET: Record<SeriesBucket, { segment: SegmentBucket; refine?: SegmentBucket }> = {
  hour: { segment: 'hour' },
  day: { segment: 'day' },
  month: { segment: 'month', refine: 'day' },
};

export function createMeterConsumption(
  options: MeterConsumptionDeps,
): (query: ConsumptionQuery) => Promise<ConsumptionSeries> {
  const deps = { ...options, closedDays: options.closedDays ?? createClosedDaysCache() };
  return async (query) => {
    const virtual = 'meterId' in query.target ? deps.fleet.virtualMeter(query.target.meterId) : undefined;
    if (virtual !== undefined) return virtualMeterSeries(deps, virtual, query);
    const { meters, timeZone, kind, id } = resolveTarget(deps.fleet, query.target);
    const { boundaries, fromMs, toMs, run } = await consumptionInBuckets(deps, meters, query, timeZone);
    const groups = new Map<
      string,
      {
        carrier: string;
        unit: string;
        parts: { meterId: string; factor: number; buckets: readonly ConsumptionBucket[] }[];
      }
    >();
    for (const meter of meters) {
      const result = run.results.get(meter.id);
      if (result === undefined) continue;
      const { key, carrier, unit, factor } = seriesKey(meter, kind === 'meter');
      const group = groups.get(key) ?? { carrier, unit, parts: [] };
      group.parts.push({ meterId: meter.id, factor, buckets: result.buckets });
      groups.set(key, group);
    }
    const series = [...groups.values()].map((g) =>
      carrierSeries(g.carrier, g.unit, g.parts, boundaries, query.bucket, timeZone),
    );
    return { target: { kind, id }, timeZone, bucket: query.bucket, fromMs, toMs, series };
  };
}

/** Checks the range for the bucket, cuts it in the zone, and computes the meters' buckets in the store. */
async function consumptionInBuckets(
  deps: MeterConsumptionDeps,
  meters: readonly MeterConfig[],
  query: ConsumptionQuery,
  timeZone: string,
) {
  if (query.toMs - query.fromMs > MAX_RANGE_DAYS[query.bucket] * DAY_MS) {
    throw new AppError(
      'BAD_TIME_RANGE',
      `a ${query.bucket} series covers at most ${MAX_RANGE_DAYS[query.bucket]} days`,
    );
  }
  const boundaries = bucketBoundaries(query.fromMs, query.toMs, query.bucket, timeZone);
  const fromMs = boundaries[0] as number;
  const toMs = boundaries.at(-1) as number;
  const { segment, refine } = SEGMENT_BUCKET[query.bucket];
  // Day and hour buckets: the closed days' store answers are kept; a month bucket holds today with its past days.
  const store =
    !deps.closedDays || refine !== undefined
      ? deps.store
      : await deps.closedDays.storeFor(deps.store, {
          meterIds: meters.map((m) => m.id),
          fromMs,
          toMs,
          timeZone,
          bucket: segment,
          cutMs: bucketStart((deps.nowMs ?? Date.now)(), 'day', timeZone),
        });
  const run = await storeConsumption(store, {
    meters: meters.map(meterSpec),
    fromMs,
    toMs,
    timeZone,
    boundaries,
    segmentBucket: segment,
    ...(refine === undefined ? {} : { refineBucket: refine }),
  });
  return { boundaries, fromMs, toMs, run };
}

async function virtualMeterSeries(
  deps: MeterConsumptionDeps,
  virtual: ResolvedVirtualMeter,
  query: ConsumptionQuery,
): Promise<ConsumptionSeries> {
  const institutions = deps.fleet.institutionsUnder(virtual.institutionId) ?? [];
  const timeZone = timeZoneOf(institutions);
  const meters = virtual.terms.flatMap((t) => {
    const meter = deps.fleet.meter(t.meterId);
    return meter === undefined ? [] : [meter];
  });
  const { boundaries, fromMs, toMs, run } = await consumptionInBuckets(deps, meters, query, timeZone);
  const bucketOf = (meterId: string, k: number) => run.results.get(meterId)?.buckets[k];
  const buckets = boundaries.slice(0, -1).map((startMs, k): SeriesBucketFigures => {
    const value = evaluateVirtualMeter(virtual, (meterId) => bucketOf(meterId, k));
    const own = virtual.terms.flatMap((t) => {
      const b = bucketOf(t.meterId, k);
      return b === undefined ? [] : [b];
    });
    return {
      startMs,
      endMs: boundaries[k + 1] as number,
      label: bucketLabel(startMs, query.bucket, timeZone),
      consumption: value.consumption,
      estimatedAmount: value.estimatedAmount,
      estimatedShare: value.estimatedShare,
      quarantinedAmount: value.quarantinedAmount,
      receivedReadings: own.reduce((s, b) => s + b.receivedReadings, 0),
      expectedReadings: own.reduce((s, b) => s + b.expectedReadings, 0),
      completeness: value.completeness,
      quality: own.length < virtual.terms.length ? 'no_data' : combinedQuality(own.map((b) => b.quality)),
    };
  });
  // Totals: the expression is linear, so the total is the sum of the buckets; completeness over the whole range, the lowest of the meters'.
  const total = evaluateVirtualMeter(virtual, (meterId) => {
    const all = run.results.get(meterId)?.buckets;
    if (all === undefined) return undefined;
    const sum = (pick: (b: ConsumptionBucket) => number) => all.reduce((s, b) => s + pick(b), 0);
    return {
      consumption: sum((b) => b.consumption),
      estimatedAmount: sum((b) => b.estimatedAmount),
      quarantinedAmount: sum((b) => b.quarantinedAmount),
      receivedReadings: sum((b) => b.receivedReadings),
      expectedReadings: sum((b) => b.expectedReadings),
    };
  });
  const receivedReadings = buckets.reduce((s, b) => s + b.receivedReadings, 0);
  const expectedReadings = buckets.reduce((s, b) => s + b.expectedReadings, 0);
  return {
    target: { kind: 'virtual_meter', id: virtual.id },
    timeZone,
    bucket: query.bucket,
    fromMs,
    toMs,
    series: [
      {
        carrier: virtual.carrier,
        unit: virtual.unit,
        meterIds: virtual.terms.map((t) => t.meterId),
        buckets,
        totals: {
          consumption: total.consumption,
          estimatedAmount: total.estimatedAmount,
          estimatedShare: total.estimatedShare,
          quarantinedAmount: total.quarantinedAmount,
          receivedReadings,
          expectedReadings,
          completeness: total.completeness,
        },
      },
    ],
  };
}

function resolveTarget(
  fleet: FleetView,
  target: ConsumptionTarget,
): { meters: readonly MeterConfig[]; timeZone: string; kind: 'meter' | 'org'; id: string } {
  if ('meterId' in target) {
    const meter = fleet.meter(target.meterId);
    const institution = fleet.institutionOfMeter(target.meterId);
    if (meter === undefined || institution === undefined)
      throw new AppError('METER_NOT_FOUND', `no meter ${target.meterId}`);
    return { meters: [meter], timeZone: institution.timezone, kind: 'meter', id: meter.id };
  }
  const institutions = fleet.institutionsUnder(target.orgId);
  if (institutions === undefined)
    throw new AppError('ORG_NOT_FOUND', `no organisation unit or institution ${target.orgId}`);
  const meters = fleet.metersOf(institutions.map((i) => i.id)).filter((m) => m.parent === undefined);
  return { meters, timeZone: timeZoneOf(institutions), kind: 'org', id: target.orgId };
}

function seriesKey(
  meter: MeterConfig,
  single: boolean,
): { key: string; carrier: string; unit: string; factor: number } {
  const carrier = meter.carrier;
  if (!single && (CARRIERS as readonly string[]).includes(carrier)) {
    const base = baseUnitOf(carrier as Carrier);
    const factor = toBaseUnit(carrier as Carrier, meter.unit as Unit, 1);
    if (factor !== undefined) return { key: `${carrier}|${base}`, carrier, unit: base, factor };
  }
  return { key: `${carrier}|${meter.unit}`, carrier, unit: meter.unit, factor: 1 };
}

/** Quality of a sum: any quarantined share wins, then missing data, then estimates. */
function combinedQuality(qualities: readonly BucketQuality[]): BucketQuality {
  if (qualities.length === 0) return 'no_data';
  if (qualities.includes('quarantined')) return 'quarantined';
  if (qualities.every((q) => q === 'no_data')) return 'no_data';
  if (qualities.some((q) => q === 'no_data' || q === 'partial')) return 'partial';
  return qualities.includes('estimated') ? 'estimated' : 'measured';
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function carrierSeries(
  carrier: string,
  unit: string,
  parts: readonly { meterId: string; factor: number; buckets: readonly ConsumptionBucket[] }[],
  boundaries: readonly number[],
  bucket: SeriesBucket,
  timeZone: string,
): CarrierSeries {
  const buckets = boundaries.slice(0, -1).map((startMs, k): SeriesBucketFigures => {
    const own = parts.map((p) => ({ factor: p.factor, b: p.buckets[k] as ConsumptionBucket }));
    const consumption = own.reduce((s, { factor, b }) => s + b.consumption * factor, 0);
    const estimatedAmount = own.reduce((s, { factor, b }) => s + b.estimatedAmount * factor, 0);
    const receivedReadings = own.reduce((s, { b }) => s + b.receivedReadings, 0);
    const expectedReadings = own.reduce((s, { b }) => s + b.expectedReadings, 0);
    return {
      startMs,
      endMs: boundaries[k + 1] as number,
      label: bucketLabel(startMs, bucket, timeZone),
      consumption,
      estimatedAmount,
      estimatedShare: consumption > 0 ? estimatedAmount / consumption : 0,
      quarantinedAmount: own.reduce((s, { factor, b }) => s + b.quarantinedAmount * factor, 0),
      receivedReadings,
      expectedReadings,
      completeness: ratio(receivedReadings, expectedReadings),
      quality: combinedQuality(own.map(({ b }) => b.quality)),
    };
  });
  const sum = (pick: (b: SeriesBucketFigures) => number) => buckets.reduce((s, b) => s + pick(b), 0);
  const consumption = sum((b) => b.consumption);
  const estimatedAmount = sum((b) => b.estimatedAmount);
  const receivedReadings = sum((b) => b.receivedReadings);
  const expectedReadings = sum((b) => b.expectedReadings);
  return {
    carrier,
    unit,
    meterIds: parts.map((p) => p.meterId),
    buckets,
    totals: {
      consumption,
      estimatedAmount,
      estimatedShare: consumption > 0 ? estimatedAmount / consumption : 0,
      quarantinedAmount: sum((b) => b.quarantinedAmount),
      receivedReadings,
      expectedReadings,
      completeness: ratio(receivedReadings, expectedReadings),
    },
  };
}
