import {
  heldReadings,
  meterSpec,
  storeConsumption,
  type AccountingStore,
  type ConsumptionResult,
  type FleetView,
  type MeterConfig,
  type SegmentBucket,
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
import { lookbackStartMs } from './core/meter-health-episodes.js';
import { heldReadingsFinding } from './core/meter-health-held.js';
import { submeterImbalanceFinding, type BalanceDay } from './core/meter-health-imbalance.js';
import { LATE_AFTER_INTERVALS, meterOfflineFinding, meterReportingState } from './core/meter-health-offline.js';
import { quarantineRateFinding } from './core/meter-health-quarantine.js';
import { sequenceGapFinding } from './core/meter-health-sequence.js';
import { clockSkewFinding } from './core/meter-health-skew.js';
import { flatRuns, isLongFlat, stuckRegisterFinding, type StuckReference } from './core/meter-health-stuck.js';
import type { RuleFamily } from './ports.js';
import { asOfAccountingStore } from './quota-as-of-store.js';
import type { HealthSettings } from './settings/health-settings.js';

/**
 * The meter-health rule family (docs/alerts.md, "Meter health"): offline, stuck
 * register, held readings, sequence gaps, clock skew, sub-meter imbalance and
 * quarantine rate, each a pure rule in alerts/core/meter-health-*.ts. This file
 * only reads: ingest's stored readings and quarantine, and accounting's store
 * through accounting's engine (`storeConsumption`, the run a report makes): one
 * run per time zone over the lookback's local days gives every meter's held
 * readings and daily consumption at once. Only data with device time before asOf
 * (quarantined items: arrival time before asOf) is judged, so a backtest at a
 * past instant sees what the live job saw then.
 */
export interface MeterHealthDeps {
  readonly fleet: FleetView;
  readonly readings: Pick<StoredReadings, 'readingsOfMeters' | 'quarantine'>;
  readonly accounting: AccountingStore;
}

export interface MeterHealthRules extends RuleFamily {
  /** Every health rule's finding for one meter as of an instant (the meter health route). */
  evaluateMeter(meterId: string, asOfMs: number): Promise<readonly RuleFinding[]>;
  /**
   * The same for many meters in one pass (the meter-health list route): one read of each input for all of
   * them, each meter's findings exactly `evaluateMeter`'s. By meter id, in the ids' order; an unknown id has none.
   */
  evaluateMeters(meterIds: readonly string[], asOfMs: number): Promise<ReadonlyMap<string, readonly RuleFinding[]>>;
  /**
   * The live part (meter_offline) as a family of its own, cheap enough to run every minute: from
   * each meter's last reading before the instant (one query for the fleet). A silent meter's finding
   * needs nothing else; a meter this family saw silent and that reports again gets the full pass's
   * finding from its lookback readings (the clear names the silence that ended). Meters that report
   * and were not seen silent get no finding (there is nothing to change; the full pass clears them too).
   */
  readonly live: RuleFamily;
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
/** Meters whose findings (a stuck register's reference query) are worked out at a time. */
const CONCURRENCY = 8;

interface Lookback {
  readonly fromMs: number;
  readonly asOfMs: number;
}

/** Raw readings of meters over [fromMs, toMs), with each meter's fingerprint of that range taken before the read. */
interface LookbackReadings {
  readonly fromMs: number;
  readonly toMs: number;
  readonly byMeter: ReadonlyMap<string, Reading[]>;
  readonly fingerprints: ReadonlyMap<string, string>;
}

export function createMeterHealthRules(deps: MeterHealthDeps, settings: HealthSettings): MeterHealthRules {
  const zoneOf = (meterId: string) => deps.fleet.institutionOfMeter(meterId)?.timezone ?? DEFAULT_TIME_ZONE;
  // Children and PV per meter, indexed once: scanning the fleet per meter is quadratic in its size.
  const children = new Map<string, MeterConfig[]>();
  const pv = new Map<string, MeterConfig[]>();
  const push = (index: Map<string, MeterConfig[]>, key: string, m: MeterConfig) => {
    const list = index.get(key);
    if (list) list.push(m);
    else index.set(key, [m]);
  };
  for (const m of deps.fleet.fleet.meters) {
    if (m.parent !== undefined && m.carrier !== 'pv_generation') push(children, m.parent, m);
    if (m.carrier === 'pv_generation' && m.behindMeter !== undefined) push(pv, m.behindMeter, m);
  }
  const childrenOf = (meterId: string): readonly MeterConfig[] => children.get(meterId) ?? [];
  const pvBehind = (meterId: string): readonly MeterConfig[] => pv.get(meterId) ?? [];

  /** The engine over meters of one zone, in buckets of `bucket` covering [fromMs, toMs). */
  const engine = async (
    meters: readonly MeterConfig[],
    fromMs: number,
    toMs: number,
    bucket: SegmentBucket,
    timeZone: string,
  ): Promise<{ boundaries: number[]; results: ReadonlyMap<string, ConsumptionResult> }> => {
    const boundaries = bucketBoundaries(fromMs, toMs, bucket, timeZone);
    const first = boundaries[0];
    const last = boundaries.at(-1);
    if (meters.length === 0 || first === undefined || last === undefined || boundaries.length < 2)
      return { boundaries, results: new Map() };
    const run = await storeConsumption(deps.accounting, {
      meters: meters.map(meterSpec),
      fromMs: first,
      toMs: last,
      timeZone,
      boundaries,
      segmentBucket: bucket,
    });
    return { boundaries, results: run.results };
  };

  /**
   * The lookback's raw readings of the meters over [fromMs, toMs), reusing what `kept` (the family's last
   * read) still holds (docs/alerts.md, "Evaluation cost"). Rows are keyed by (meter, ts, value), never
   * rewritten in place or deleted, and read in (ts, value) order, so a meter whose fingerprint of the kept
   * range (accounting's `readingFingerprints`: count, latest arrival, first and last device time) is the
   * one taken before that range was read holds exactly the rows a read now would give; it is read only
   * from the kept range's end. The others are read in full. Each fingerprint is taken before its rows are
   * read: a reading arriving in between shows at the next evaluation as a changed fingerprint.
   */
  const lookbackReadings = async (
    meterIds: readonly string[],
    fromMs: number,
    toMs: number,
    kept: LookbackReadings | undefined,
  ): Promise<LookbackReadings> => {
    const read = (ids: readonly string[], from: number) =>
      ids.length === 0 || from >= toMs
        ? Promise.resolve(new Map<string, Reading[]>())
        : deps.readings.readingsOfMeters({ meterIds: ids, fromMs: from, toMs, limitPerMeter: READINGS_LIMIT });
    const usable = kept !== undefined && kept.fromMs <= fromMs && fromMs < kept.toMs && kept.toMs <= toMs;
    const [fingerprints, keptNow] = await Promise.all([
      deps.accounting.readingFingerprints({ meterIds, fromMs, toMs }),
      usable ? deps.accounting.readingFingerprints({ meterIds, fromMs: kept.fromMs, toMs: kept.toMs }) : undefined,
    ]);
    const fresh: string[] = [];
    const reused: string[] = [];
    for (const id of meterIds) {
      const rows = kept?.byMeter.get(id);
      const same = usable && keptNow?.get(id) === kept.fingerprints.get(id) && (rows?.length ?? 0) < READINGS_LIMIT;
      (same ? reused : fresh).push(id);
    }
    const [full, tail] = await Promise.all([read(fresh, fromMs), read(reused, kept?.toMs ?? toMs)]);
    const byMeter = new Map<string, Reading[]>(full);
    for (const id of reused) {
      const rows = [...(kept?.byMeter.get(id) ?? []).filter((r) => r.tsMs >= fromMs), ...(tail.get(id) ?? [])];
      if (rows.length > 0) byMeter.set(id, rows.slice(0, READINGS_LIMIT));
    }
    return { fromMs, toMs, byMeter, fingerprints };
  };
  /** The family's last lookback read (the route's single-meter reads keep nothing). */
  let lastLookback: LookbackReadings | undefined;

  /** Each meter's findings, in the meters' order. */
  const evaluateEach = async (
    meters: readonly MeterConfig[],
    asOfMs: number,
    keep = false,
  ): Promise<RuleFinding[][]> => {
    if (meters.length === 0) return [];
    const range: Lookback = { fromMs: lookbackStartMs(asOfMs, settings.lookbackDays * DAY_MS), asOfMs };
    // The engine's meters: the judged ones, and the children and PV of judged parent meters.
    const engineMeters = new Map<string, MeterConfig>();
    for (const m of meters) {
      for (const x of [m, ...childrenOf(m.id), ...pvBehind(m.id)]) engineMeters.set(x.id, x);
    }
    const byZone = new Map<string, MeterConfig[]>();
    for (const m of engineMeters.values()) push(byZone, zoneOf(m.id), m);
    // Every judged meter's raw readings of the lookback in one store request (not one per meter).
    const [quarantine, edges, runs, raw] = await Promise.all([
      quarantinedByMeter(deps.readings, range.fromMs, asOfMs),
      deps.accounting.edgeReadings({
        meterIds: meters.map((m) => m.id),
        beforeMs: range.fromMs,
        afterMs: asOfMs,
        windowMs: LAST_READING_WINDOW_MS,
      }),
      Promise.all(
        [...byZone].map(async ([timeZone, list]) => ({
          timeZone,
          ...(await engine(list, range.fromMs, asOfMs, 'day', timeZone)),
        })),
      ),
      keep
        ? lookbackReadings(
            meters.map((m) => m.id),
            range.fromMs,
            asOfMs,
            lastLookback,
          ).then((read) => (lastLookback = read).byMeter)
        : deps.readings.readingsOfMeters({
            meterIds: meters.map((m) => m.id),
            fromMs: range.fromMs,
            toMs: asOfMs,
            limitPerMeter: READINGS_LIMIT,
          }),
    ]);
    const results = new Map<string, ConsumptionResult>();
    const daysOf = new Map<string, number[]>();
    for (const run of runs) {
      for (const [id, result] of run.results) {
        results.set(id, result);
        daysOf.set(id, run.boundaries);
      }
    }
    const perMeter = await mapPooled(meters, CONCURRENCY, async (meter) => {
      const readings = raw.get(meter.id) ?? [];
      const before = edges.before.get(meter.id);
      const own = [...(before ? [before] : []), ...readings];
      return meterFindings(meter, own, quarantine.get(meter.id) ?? [], results, range);
    });
    return perMeter;
  };

  /** meter_offline as the full pass judges it: from the lookback's readings and the last one before. */
  const offlineFindings = async (meters: readonly MeterConfig[], asOfMs: number): Promise<RuleFinding[]> => {
    if (meters.length === 0) return [];
    const fromMs = lookbackStartMs(asOfMs, settings.lookbackDays * DAY_MS);
    const meterIds = meters.map((m) => m.id);
    const [edges, raw] = await Promise.all([
      deps.accounting.edgeReadings({ meterIds, beforeMs: fromMs, afterMs: asOfMs, windowMs: LAST_READING_WINDOW_MS }),
      deps.readings.readingsOfMeters({ meterIds, fromMs, toMs: asOfMs, limitPerMeter: READINGS_LIMIT }),
    ]);
    return meters.map((meter) => {
      const before = edges.before.get(meter.id);
      return offlineFinding(meter, [...(before ? [before] : []), ...(raw.get(meter.id) ?? [])], asOfMs);
    });
  };

  const offlineFinding = (
    meter: MeterConfig,
    readings: readonly { readonly tsMs: number; readonly receivedAtMs: number }[],
    asOfMs: number,
  ) =>
    meterOfflineFinding({
      meterId: meter.id,
      expectedIntervalMinutes: meter.expectedIntervalMinutes,
      afterIntervals: settings.offline.afterIntervals,
      readings,
      asOfMs,
    });

  /** Meters the live family last saw late or offline: their recovery is judged from their readings. */
  const seenSilent = new Set<string>();
  const live: RuleFamily = {
    name: 'meter-health-live',
    rules: ['meter_offline'],
    async evaluate(asOfMs) {
      const last = await lastReadingsBefore(deps.accounting, asOfMs);
      // The full pass looks for the last reading within LAST_READING_WINDOW_MS before its lookback.
      const oldestSeenMs = lookbackStartMs(asOfMs, settings.lookbackDays * DAY_MS) - LAST_READING_WINDOW_MS;
      // Late or offline, whichever comes first: then the finding is a hold or a raise.
      const silentAfter = Math.min(settings.offline.afterIntervals, LATE_AFTER_INTERVALS);
      const findings: RuleFinding[] = [];
      const recovered: MeterConfig[] = [];
      for (const meter of deps.fleet.fleet.meters) {
        const lastTsMs = last.get(meter.id);
        const seen = lastTsMs !== undefined && lastTsMs >= oldestSeenMs;
        const state = meterReportingState(
          seen ? lastTsMs : undefined,
          meter.expectedIntervalMinutes,
          asOfMs,
          silentAfter,
        );
        if (state === 'late' && seen) {
          // Silent: only the last reading's device time enters the finding (hold while late, raise once offline).
          findings.push(offlineFinding(meter, [{ tsMs: lastTsMs, receivedAtMs: lastTsMs }], asOfMs));
          seenSilent.add(meter.id);
        } else if (state === 'reporting' && seenSilent.has(meter.id)) {
          recovered.push(meter);
        }
      }
      for (const finding of await offlineFindings(recovered, asOfMs)) {
        findings.push(finding);
        if (finding.verdict === 'clear') seenSilent.delete(finding.subject.id);
      }
      return findings;
    },
  };

  const meterFindings = async (
    meter: MeterConfig,
    readings: readonly Reading[],
    quarantined: readonly QuarantineRecord[],
    results: ReadonlyMap<string, ConsumptionResult>,
    range: Lookback,
  ): Promise<RuleFinding[]> => {
    const { fromMs, asOfMs } = range;
    const findings: RuleFinding[] = [];
    findings.push(offlineFinding(meter, readings, asOfMs));
    if (meter.register === 'cumulative') findings.push(await stuckFinding(meter, readings, asOfMs));
    const result = results.get(meter.id);
    const held = (result === undefined ? [] : heldReadings(result)).filter((h) => h.tsMs >= fromMs);
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
    if (children.length > 0) findings.push(imbalanceFinding(meter, children, results, asOfMs));
    const windowFromMs = asOfMs - settings.quarantineRate.windowHours * HOUR_MS;
    // Quarantined items count by arrival; a stored reading counts if its device time or its arrival is in the
    // window, so a backfill delivered in the window (its malformed payloads arriving with it) is weighed
    // against the readings it delivered, not against one day of device time (docs/alerts.md).
    const inWindow = (r: { tsMs: number; receivedAtMs: number }) =>
      r.tsMs >= windowFromMs || (r.receivedAtMs >= windowFromMs && r.receivedAtMs < asOfMs);
    findings.push(
      quarantineRateFinding({
        meterId: meter.id,
        storedInWindow: new Set(inLookback.filter(inWindow).map((r) => r.tsMs)).size,
        quarantined,
        asOfMs,
        ...settings.quarantineRate,
      }),
    );
    return findings;
  };

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
      const parent = meter.parent === undefined ? undefined : deps.fleet.meter(meter.parent);
      // PV generation is flat every night whatever the loads do: no load meter tells a stuck PV register.
      const related: { meter: MeterConfig; relation: StuckReference['relation'] }[] =
        meter.carrier === 'pv_generation'
          ? []
          : [
              ...(parent === undefined ? [] : [{ meter: parent, relation: 'parent' as const }]),
              ...(meter.parent === undefined ? [] : childrenOf(meter.parent))
                .filter((m) => m.id !== meter.id)
                .map((m) => ({ meter: m, relation: 'sibling' as const })),
              ...childrenOf(meter.id).map((m) => ({ meter: m, relation: 'child' as const })),
            ];
      if (endHourMs > startHourMs) {
        const { results } = await engine(
          related.map((r) => r.meter),
          startHourMs,
          endHourMs,
          'hour',
          timeZone,
        );
        references = related.map(({ meter: m, relation }) => ({
          meterId: m.id,
          relation,
          consumption: results.get(m.id)?.totals.booked ?? 0,
          unit: m.unit,
          hours: (endHourMs - startHourMs) / HOUR_MS,
        }));
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

  /** The balance of a parent meter on each complete local day of the engine run (days ending by asOf). */
  const imbalanceFinding = (
    parent: MeterConfig,
    children: readonly MeterConfig[],
    results: ReadonlyMap<string, ConsumptionResult>,
    asOfMs: number,
  ): RuleFinding => {
    const { thresholdPercent, clearPercent, expectedLossPercent, expectedLossPercentByMeter, minCompleteness } =
      settings.imbalance;
    const timeZone = zoneOf(parent.id);
    const pv = pvBehind(parent.id);
    const bucketsOf = (m: MeterConfig) => results.get(m.id)?.buckets ?? [];
    const complete = (b: { receivedReadings: number; expectedReadings: number } | undefined) =>
      b !== undefined && b.expectedReadings > 0 && b.receivedReadings / b.expectedReadings >= minCompleteness;
    const days: BalanceDay[] = bucketsOf(parent)
      .map((own, k) => ({ own, k }))
      .filter(({ own }) => own.endMs <= asOfMs)
      .map(({ own, k }) => {
        const kids = children.map((c) => ({ meter: c, bucket: bucketsOf(c)[k] }));
        const childFigures = kids.map(({ meter: c, bucket }) => ({
          meterId: c.id,
          consumption: convert(c, parent, bucket?.consumption ?? 0) ?? Number.NaN,
        }));
        const pvSupply = pv.reduce((s, m) => s + (convert(m, parent, bucketsOf(m)[k]?.consumption ?? 0) ?? 0), 0);
        return {
          day: bucketLabel(own.startMs, 'day', timeZone),
          startMs: own.startMs,
          parentSupply: own.consumption + pvSupply,
          children: childFigures,
          judged:
            complete(own) &&
            kids.every(({ bucket }) => complete(bucket)) &&
            childFigures.every((c) => Number.isFinite(c.consumption)),
        };
      });
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

  return {
    name: 'meter-health',
    rules: METER_HEALTH_RULES,
    evaluate: async (asOfMs) => (await evaluateEach(deps.fleet.fleet.meters, asOfMs, true)).flat(),
    async evaluateMeter(meterId, asOfMs) {
      const meter = deps.fleet.meter(meterId);
      return meter === undefined ? [] : ((await evaluateEach([meter], asOfMs))[0] ?? []);
    },
    async evaluateMeters(meterIds, asOfMs) {
      const known = [...new Set(meterIds)].flatMap((id) => deps.fleet.meter(id) ?? []);
      const each = await evaluateEach(known, asOfMs);
      const byId = new Map<string, readonly RuleFinding[]>(known.map((m, i) => [m.id, each[i] ?? []]));
      return new Map(meterIds.map((id) => [id, byId.get(id) ?? []]));
    },
    live,
  };
}

/** Each meter's last device time before `asOfMs` (accounting's summaries, cut at the instant). */
async function lastReadingsBefore(store: AccountingStore, asOfMs: number): Promise<Map<string, number>> {
  const summaries = await asOfAccountingStore(store, asOfMs).meterSummaries();
  return new Map([...summaries].map(([id, s]) => [id, s.lastTsMs]));
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
