import type {
  AccountingStore,
  ConsumptionQuery,
  ConsumptionSeries,
  FleetView,
  HeldReading,
  HeldReadingsQuery,
  MeterConfig,
} from '../accounting/index.js';
import type { StoredReadings } from '../ingest/index.js';
import {
  bucketBoundaries,
  bucketLabel,
  bucketStart,
  type Carrier,
  CARRIERS,
  DAY_MS,
  DEFAULT_TIME_ZONE,
  HOUR_MS,
  type QuarantineRecord,
  type Reading,
  toBaseUnit,
  type Unit,
} from '../src/kernel/index.js';
import type { AlertRule, RuleFinding } from './core/alert-types.js';
import { clockSkewFinding } from './core/meter-health-skew.js';
import { lookbackStartMs } from './core/meter-health-episodes.js';
import { heldReadingsFinding } from './core/meter-health-held.js';
import { submeterImbalanceFinding, type BalanceDay } from './core/meter-health-imbalance.js';
import { meterOfflineFinding } from './core/meter-health-offline.js';
import { quarantineRateFinding } from './core/meter-health-quarantine.js';
import { sequenceGapFinding } from './core/meter-health-sequence.js';
import { flatRuns, isLongFlat, stuckRegisterFinding, type StuckReference } from './core/meter-health-stuck.js';
import type { RuleFamily } from './ports.js';
import type { HealthSettings } from './settings/health-settings.js';

/**
 * The meter-health rule family (docs/alerts.md, "Meter health"): offline, stuck
 * register, held readings, sequence gaps, clock skew, sub-meter imbalance and
 * quarantine rate, each a pure rule in alerts/core/meter-health-*.ts. This file
 * only reads: ingest's stored readings and quarantine, accounting's edge readings
 * (the last reading before an instant), held readings and consumption. Only data
 * with device time before asOf (quarantined items: arrival time before asOf) is
 * judged, so a backtest at a past instant sees what the live job saw then.
 */
export interface MeterHealthDeps {
  readonly fleet: FleetView;
  readonly readings: Pick<StoredReadings, 'readings' | 'quarantine'>;
  readonly edges: Pick<AccountingStore, 'edgeReadings'>;
  readonly heldReadings: (query: HeldReadingsQuery) => Promise<readonly HeldReading[]>;
  readonly consumption: (query: ConsumptionQuery) => Promise<ConsumptionSeries>;
}

export interface MeterHealthRules extends RuleFamily {
  /** Every health rule's finding for one meter as of an instant (the meter health route). */
  evaluateMeter(meterId: string, asOfMs: number): Promise<readonly RuleFinding[]>;
}

export const METER_HEALTH_RULES = [
  'meter_offline',
  'stuck_register',
  'held_readings',
  'sequence_gap',
  'clock_skew',
  'submeter_imbalance',
  'quarantine_rate',
] as const satisfies readonly AlertRule[];

/** How far back to find a silent meter's last reading. */
const LAST_READING_WINDOW_MS = 366 * DAY_MS;
const READINGS_LIMIT = 200_000;
const QUARANTINE_PAGE = 5_000;
/** Meters evaluated at a time (each is a few store queries). */
const CONCURRENCY = 8;

export function createMeterHealthRules(deps: MeterHealthDeps, settings: HealthSettings): MeterHealthRules {
  const evaluateMeters = async (meters: readonly MeterConfig[], asOfMs: number): Promise<RuleFinding[]> => {
    const fromMs = lookbackStartMs(asOfMs, settings.lookbackDays * DAY_MS);
    const [quarantine, edges] = await Promise.all([
      quarantinedByMeter(deps.readings, fromMs, asOfMs),
      deps.edges.edgeReadings({
        meterIds: meters.map((m) => m.id),
        beforeMs: fromMs,
        afterMs: asOfMs,
        windowMs: LAST_READING_WINDOW_MS,
      }),
    ]);
    const perMeter = await mapPooled(meters, CONCURRENCY, async (meter) => {
      const readings = await deps.readings.readings({ meterId: meter.id, fromMs, toMs: asOfMs, limit: READINGS_LIMIT });
      const before = edges.before.get(meter.id);
      return meterFindings(meter, [...(before ? [before] : []), ...readings], quarantine.get(meter.id) ?? [], {
        fromMs,
        asOfMs,
      });
    });
    return perMeter.flat();
  };

  const meterFindings = async (
    meter: MeterConfig,
    readings: readonly Reading[],
    quarantined: readonly QuarantineRecord[],
    range: { fromMs: number; asOfMs: number },
  ): Promise<RuleFinding[]> => {
    const { fromMs, asOfMs } = range;
    const findings: RuleFinding[] = [];
    findings.push(
      meterOfflineFinding({
        meterId: meter.id,
        expectedIntervalMinutes: meter.expectedIntervalMinutes,
        afterIntervals: settings.offline.afterIntervals,
        readingTimesMs: [...new Set(readings.map((r) => r.tsMs))],
        asOfMs,
      }),
    );
    if (meter.register === 'cumulative') findings.push(await stuckFinding(meter, readings, asOfMs));
    const held = await deps.heldReadings({ meterId: meter.id, fromMs, toMs: asOfMs });
    findings.push(heldReadingsFinding({ meterId: meter.id, held, asOfMs, ...settings.held }));
    const inLookback = readings.filter((r) => r.tsMs >= fromMs);
    const gap = sequenceGapFinding({ meterId: meter.id, readings, asOfMs, ...settings.sequence });
    if (gap) findings.push(gap);
    findings.push(
      clockSkewFinding({
        meterId: meter.id,
        readings: inLookback,
        futureQuarantinedAtMs: quarantined.filter((q) => q.reason === 'future_timestamp').map((q) => q.receivedAtMs),
        asOfMs,
        ...settings.clockSkew,
      }),
    );
    const children = childrenOf(meter.id);
    if (children.length > 0) findings.push(await imbalanceFinding(meter, children, asOfMs, fromMs));
    const windowFromMs = asOfMs - settings.quarantineRate.windowHours * HOUR_MS;
    findings.push(
      quarantineRateFinding({
        meterId: meter.id,
        storedInWindow: new Set(inLookback.filter((r) => r.tsMs >= windowFromMs).map((r) => r.tsMs)).size,
        quarantined,
        asOfMs,
        ...settings.quarantineRate,
      }),
    );
    return findings;
  };

  const childrenOf = (meterId: string) =>
    deps.fleet.fleet.meters.filter((m) => m.parent === meterId && m.carrier !== 'pv_generation');

  const stuckFinding = async (meter: MeterConfig, readings: readonly Reading[], asOfMs: number) => {
    const runs = flatRuns(readings.filter((r) => r.tsMs < asOfMs));
    const current = runs.at(-1);
    const { flatHours, referenceMinPerHour } = settings.stuck;
    let references: StuckReference[] = [];
    if (current !== undefined && isLongFlat(runs, flatHours)) {
      // Whole local hours inside the flat run: the related meters' consumption in the same hours.
      const timeZone = zoneOf(meter.id);
      const startHourMs = bucketStart(current.startMs + HOUR_MS - 1, 'hour', timeZone);
      const endHourMs = bucketStart(current.endMs, 'hour', timeZone);
      const related: { meter: MeterConfig; relation: StuckReference['relation'] }[] = [
        ...(meter.parent === undefined ? [] : [deps.fleet.meter(meter.parent)])
          .filter((m): m is MeterConfig => m !== undefined)
          .map((m) => ({ meter: m, relation: 'parent' as const })),
        ...(meter.parent === undefined ? [] : childrenOf(meter.parent))
          .filter((m) => m.id !== meter.id)
          .map((m) => ({ meter: m, relation: 'sibling' as const })),
        ...childrenOf(meter.id).map((m) => ({ meter: m, relation: 'child' as const })),
      ];
      if (endHourMs > startHourMs) {
        references = await Promise.all(
          related.map(async ({ meter: m, relation }) => ({
            meterId: m.id,
            relation,
            consumption: await consumedIn(m.id, startHourMs, endHourMs, 'hour'),
            unit: m.unit,
            hours: (endHourMs - startHourMs) / HOUR_MS,
          })),
        );
      }
    }
    return stuckRegisterFinding({
      meterId: meter.id,
      unit: meter.unit,
      runs,
      flatHours,
      references,
      referenceMinPerHour,
      asOfMs,
    });
  };

  const consumedIn = async (meterId: string, fromMs: number, toMs: number, bucket: 'hour' | 'day') => {
    const series = await deps.consumption({ target: { meterId }, fromMs, toMs, bucket });
    return series.series.reduce((s, c) => s + c.totals.consumption, 0);
  };

  const imbalanceFinding = async (
    parent: MeterConfig,
    children: readonly MeterConfig[],
    asOfMs: number,
    lookbackFromMs: number,
  ): Promise<RuleFinding> => {
    const { thresholdPercent, clearPercent, expectedLossPercent, expectedLossPercentByMeter, minCompleteness } =
      settings.imbalance;
    const timeZone = zoneOf(parent.id);
    const fromMs = bucketStart(lookbackFromMs, 'day', timeZone);
    const toMs = bucketStart(asOfMs, 'day', timeZone);
    const pv = deps.fleet.fleet.meters.filter((m) => m.carrier === 'pv_generation' && m.behindMeter === parent.id);
    const days: BalanceDay[] = [];
    if (toMs > fromMs) {
      const daily = async (m: MeterConfig) => {
        const series = await deps.consumption({ target: { meterId: m.id }, fromMs, toMs, bucket: 'day' });
        return series.series[0]?.buckets ?? [];
      };
      const [parentDays, childDays, pvDays] = await Promise.all([
        daily(parent),
        Promise.all(children.map(daily)),
        Promise.all(pv.map(daily)),
      ]);
      const boundaries = bucketBoundaries(fromMs, toMs, 'day', timeZone);
      boundaries.slice(0, -1).forEach((startMs, k) => {
        const own = parentDays[k];
        const kids = children.map((c, i) => ({ meter: c, bucket: childDays[i]?.[k] }));
        const inParentUnit = (m: MeterConfig, value: number) => convert(m, parent, value);
        const childFigures = kids.map(({ meter: c, bucket }) => ({
          meterId: c.id,
          consumption: bucket === undefined ? 0 : (inParentUnit(c, bucket.consumption) ?? Number.NaN),
        }));
        const pvSupply = pv.reduce((s, m, i) => s + (convert(m, parent, pvDays[i]?.[k]?.consumption ?? 0) ?? 0), 0);
        const complete = (b: { completeness: number | null } | undefined) =>
          b !== undefined && b.completeness !== null && b.completeness >= minCompleteness;
        days.push({
          day: bucketLabel(startMs, 'day', timeZone),
          startMs,
          parentSupply: (own?.consumption ?? 0) + pvSupply,
          children: childFigures,
          judged:
            complete(own) &&
            kids.every(({ bucket }) => complete(bucket)) &&
            childFigures.every((c) => Number.isFinite(c.consumption)),
        });
      });
    }
    return submeterImbalanceFinding({
      parentId: parent.id,
      unit: parent.unit,
      days,
      thresholdPercent,
      clearPercent,
      expectedLossPercent: expectedLossPercentByMeter[parent.id] ?? expectedLossPercent,
      asOfMs,
    });
  };

  const zoneOf = (meterId: string) => deps.fleet.institutionOfMeter(meterId)?.timezone ?? DEFAULT_TIME_ZONE;

  return {
    name: 'meter-health',
    rules: METER_HEALTH_RULES,
    evaluate: (asOfMs) => evaluateMeters(deps.fleet.fleet.meters, asOfMs),
    async evaluateMeter(meterId, asOfMs) {
      const meter = deps.fleet.meter(meterId);
      return meter === undefined ? [] : evaluateMeters([meter], asOfMs);
    },
  };
}

/** A consumption of meter `from` in the unit of meter `to` (same carrier), or undefined without an exact conversion. */
function convert(from: MeterConfig, to: MeterConfig, value: number): number | undefined {
  if (from.unit === to.unit) return value;
  if (!(CARRIERS as readonly string[]).includes(to.carrier)) return undefined;
  const carrier = to.carrier as Carrier;
  const base = toBaseUnit(carrier, from.unit as Unit, value);
  const perTarget = toBaseUnit(carrier, to.unit as Unit, 1);
  return base === undefined || perTarget === undefined || perTarget === 0 ? undefined : base / perTarget;
}

/** Every quarantined item with arrival time in [fromMs, toMs), by meter (items without a known meter are nobody's). */
async function quarantinedByMeter(
  store: Pick<StoredReadings, 'quarantine'>,
  fromMs: number,
  toMs: number,
): Promise<Map<string, QuarantineRecord[]>> {
  const byMeter = new Map<string, QuarantineRecord[]>();
  let after: { receivedAtMs: number; id: string } | undefined;
  for (;;) {
    const page = await store.quarantine({ fromMs, toMs, limit: QUARANTINE_PAGE, ...(after ? { after } : {}) });
    for (const q of page) {
      if (q.meterId === null) continue;
      const list = byMeter.get(q.meterId);
      if (list) list.push(q);
      else byMeter.set(q.meterId, [q]);
    }
    const last = page.at(-1);
    if (page.length < QUARANTINE_PAGE || last === undefined) return byMeter;
    after = { receivedAtMs: last.receivedAtMs, id: last.id };
  }
}

async function mapPooled<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
