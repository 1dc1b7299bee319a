import type { Fleet } from '../../../config/index.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, parseIsoInstant } from '../../kernel/index.js';
import { impliedRegisterResolution, registerDecimals } from '../../../accounting/index.js';
import { createFleetModel, type FleetModel } from './fleet-model.js';
import { FAULT_KINDS, MALFORMED_VARIANTS, type FaultConfig, type FaultKind, type MalformedVariant } from './faults.js';
import { localParts } from '../../kernel/index.js';
import { hash3, mulberry32, unitHash } from './prng.js';
import type { ProfileKind } from './profiles.js';
import type { Site } from './weather.js';

/**
 * The simulator's core: a deterministic stepper that turns the fleet model's
 * energy into what meters would send: cumulative registers (energy / multiplier,
 * wrapping after registerMax) or interval values, configured replacements, and
 * the opt-in faults of faults.ts. Pure: no clock, no I/O; the caller chooses the
 * instants (`tick`), so the same code drives a 60-day backfill and live readings.
 */

/** A reading as a meter sends it. */
export interface SimReading {
  readonly kind: 'reading';
  readonly meterId: string;
  /** The device's timestamp, UTC ms (differs from trueTsMs only under clock_skew). */
  readonly tsMs: number;
  /** The register (cumulative meters) or the interval's consumption (interval meters), in register units. */
  readonly value: number;
  /** Per meter and run, +1 for every reading the meter sends (lost ones included); a duplicate repeats it. */
  readonly seq: number;
  readonly trueTsMs: number;
  /** The faults that shaped this reading; empty for normal operation (configured replacements included). */
  readonly faults: readonly FaultKind[];
  /** The two readings around a meter replacement (configured, or the `replacement` fault). */
  readonly note?: 'replacement_old_final' | 'replacement_new_initial';
  /** What a Tasmota device adds to ENERGY: power (W) and today's / yesterday's energy (kWh, local days). */
  readonly tasmota?: { readonly powerW: number; readonly todayKwh: number; readonly yesterdayKwh: number };
}

/** A malformed payload to send for a meter (encoded per codec by encode.ts). */
export interface SimMalformed {
  readonly kind: 'malformed';
  readonly meterId: string;
  readonly tsMs: number;
  readonly seq: number;
  /** The true register, used to build plausible-looking bad payloads. */
  readonly value: number;
  readonly variant: MalformedVariant;
}

/** A reading lost to a dropout: never published, reported so that counts reconcile. */
export interface SimDropped {
  readonly kind: 'dropped';
  readonly meterId: string;
  readonly tsMs: number;
  readonly seq: number;
}

export type SimEvent = SimReading | SimMalformed | SimDropped;

export interface SimulationOptions {
  readonly fleet: Fleet;
  readonly seed: number;
  /** Registers are set up at this instant. */
  readonly fromMs: number;
  /** Planned end of the backfill: rollover faults wrap before it. Ticks may go past it (live). */
  readonly toMs: number;
  readonly faults?: FaultConfig;
  /**
   * Clock-skewed stamps are max(true time, skewBaseMs) + skew. Pass the wall clock
   * at start so that skewed backfill readings are in the future when they arrive.
   */
  readonly skewBaseMs?: number;
  readonly profiles?: Readonly<Record<string, ProfileKind>>;
  readonly site?: Site;
}

export interface Simulation {
  readonly model: FleetModel;
  /** Every meter's reading at tsMs (strictly increasing between calls), after late readings now due. */
  tick(tsMs: number): SimEvent[];
  /** Delivers every reading still held back by a late batch (end of run). */
  flush(): SimEvent[];
  /** Readings currently held back by late batches. */
  heldCount(): number;
}

/** How long a fault-free plausible register has been counting: 0.5–6 years of its own load. */
const WEEKS_PER_YEAR = 52;
/** Anchoring a configured replacement looks at most this far from the run's start. */
const ANCHOR_HORIZON_MS = 400 * DAY_MS;

interface Replacement {
  readonly atMs: number;
  readonly oldFinal: number;
  readonly newInitial: number;
}

interface MeterState {
  /** Register since the last reset or replacement, not wrapped (may pass registerMax). */
  raw: number;
  /** The instant `raw` describes. */
  lastTs: number;
  /** Completed wraps at the last reading. */
  wraps: number;
  seq: number;
  nextReplacement: number;
  dropoutLeft: number;
  /** Faults (reset, rollover) waiting for the next reading that is really sent. */
  pending: FaultKind[];
  prevTickTs: number | undefined;
  dayKey: string | undefined;
  todayKwh: number;
  yesterdayKwh: number;
}

interface Held {
  readonly releaseAtMs: number;
  readonly event: SimReading;
}

export function createSimulation(options: SimulationOptions): Simulation {
  const { fleet, seed, fromMs, toMs } = options;
  const faults = options.faults ?? {};
  const model = createFleetModel(fleet, seed, {
    ...(options.profiles ? { profiles: options.profiles } : {}),
    ...(options.site ? { site: options.site } : {}),
  });
  const rng = Object.fromEntries(FAULT_KINDS.map((k, i) => [k, mulberry32(hash3(seed, i + 1, 0xfa17))])) as Record<
    FaultKind,
    () => number
  >;

  const registers = model.meters.map(({ meter }) => {
    const max = meter.registerMax;
    // The register's step: configured, or implied by registerMax's decimals (the engine's rule, register-range.ts).
    const step = max === undefined ? undefined : (meter.registerResolution ?? impliedRegisterResolution(max));
    const decimals =
      step === undefined ? 3 : Math.min(6, Math.max(registerDecimals(step), registerDecimals(max as number)));
    const scale = 10 ** decimals;
    // The odometer wraps to 0 one step after registerMax: 99999999.99 wraps at 1e8.
    const modUnits =
      max === undefined || step === undefined ? Infinity : Math.round(max * scale) + Math.round(step * scale);
    return { decimals, scale, modUnits, modulus: modUnits / scale };
  });
  const replacements: Replacement[][] = model.meters.map(({ meter }) =>
    meter.register === 'cumulative'
      ? meter.replacements
          .map((r) => ({ atMs: parseIsoInstant(r.at) ?? Number.NaN, oldFinal: r.oldFinal, newInitial: r.newInitial }))
          .filter((r) => Number.isFinite(r.atMs))
          .sort((a, b) => a.atMs - b.atMs)
      : [],
  );

  const weekBefore = model.energiesBetween(fromMs - 7 * DAY_MS, fromMs);
  const states: MeterState[] = model.meters.map((m, i) => {
    const { meter } = m;
    const reps = replacements[i] ?? [];
    let nextReplacement = reps.findIndex((r) => r.atMs > fromMs);
    if (nextReplacement < 0) nextReplacement = reps.length;
    const next = reps[nextReplacement];
    const prev = reps[nextReplacement - 1];
    let raw = 0;
    if (meter.register === 'cumulative') {
      if (next && next.atMs - fromMs <= ANCHOR_HORIZON_MS) {
        // Count backwards from the configured old final, so the old meter really reads it at the swap.
        raw = Math.max(0, next.oldFinal - model.energyBetween(i, fromMs, next.atMs) / meter.multiplier);
      } else if (prev && fromMs - prev.atMs <= ANCHOR_HORIZON_MS) {
        raw = prev.newInitial + model.energyBetween(i, prev.atMs, fromMs) / meter.multiplier;
      } else {
        const years = 0.5 + 5.5 * unitHash(m.key, 0, 0x5747);
        const annual = ((weekBefore[i] ?? 0) * WEEKS_PER_YEAR) / meter.multiplier;
        raw = years * annual + 10 * unitHash(m.key, 0, 0x5748);
        const reg = registers[i];
        if (reg && Number.isFinite(reg.modulus)) raw %= 0.6 * reg.modulus;
      }
    }
    return {
      raw,
      lastTs: fromMs,
      wraps: 0,
      seq: 0,
      nextReplacement,
      dropoutLeft: 0,
      pending: [],
      prevTickTs: undefined,
      dayKey: undefined,
      todayKwh: 0,
      yesterdayKwh: 0,
    };
  });

  if (faults.rollover && faults.rollover.meters > 0) planRollovers(faults.rollover.meters);

  /** Start chosen meters close below their maximum so that they wrap inside [fromMs, toMs). */
  function planRollovers(count: number) {
    const draw = rng.rollover;
    const whole = model.energiesBetween(fromMs, toMs);
    const eligible = model.meters.filter((m, i) => {
      const reg = registers[i];
      const reps = replacements[i] ?? [];
      const noSwap = !reps.some((r) => r.atMs > fromMs && r.atMs - fromMs <= ANCHOR_HORIZON_MS);
      return (
        m.meter.register === 'cumulative' &&
        reg &&
        Number.isFinite(reg.modulus) &&
        noSwap &&
        ((whole[i] ?? 0) / m.meter.multiplier) * reg.scale > 100
      );
    });
    for (let k = 0; k < count && eligible.length > 0; k++) {
      const pick = eligible.splice(Math.floor(draw() * eligible.length), 1)[0];
      if (!pick) break;
      const wrapAtMs = fromMs + (0.1 + 0.5 * draw()) * (toMs - fromMs);
      const reg = registers[pick.index];
      const st = states[pick.index];
      if (!reg || !st) continue;
      const before = model.energyBetween(pick.index, fromMs, wrapAtMs) / pick.meter.multiplier;
      st.raw = Math.max(0, reg.modulus - Math.max(before, 1 / reg.scale));
    }
  }

  const lateUntil = new Map<string, number>();
  const releaseAt = new Map<string, number>();
  let held: Held[] = [];
  let lastTick: number | undefined;

  const valueOf = (i: number, raw: number): { value: number; wraps: number } => {
    const reg = registers[i];
    if (!reg) return { value: raw, wraps: 0 };
    const units = Math.round(raw * reg.scale);
    if (!Number.isFinite(reg.modUnits)) return { value: units / reg.scale, wraps: 0 };
    return { value: (units % reg.modUnits) / reg.scale, wraps: Math.floor(units / reg.modUnits) };
  };

  function tick(ts: number): SimEvent[] {
    if (lastTick !== undefined && ts <= lastTick) throw new Error(`ticks must increase: ${ts} after ${lastTick}`);
    if (ts < fromMs) throw new Error(`tick ${ts} is before the run's start ${fromMs}`);
    const dt = lastTick === undefined ? 0 : ts - lastTick;
    const commonFrom = lastTick ?? fromMs;
    const common = model.energiesBetween(commonFrom, ts);
    const energy = (i: number, a: number, b: number) =>
      a === commonFrom && b === ts ? (common[i] ?? 0) : model.energyBetween(i, a, b);
    const perTick = (perDay: number) => 1 - Math.exp((-perDay * dt) / DAY_MS);
    lastTick = ts;

    const events: SimEvent[] = [];
    const due = held.filter((h) => h.releaseAtMs <= ts);
    if (due.length > 0) {
      held = held.filter((h) => h.releaseAtMs > ts);
      for (const h of due) events.push(h.event);
    }

    if (faults.late_batch) {
      const f = faults.late_batch;
      for (const b of fleet.buildings) {
        const u = rng.late_batch();
        if (dt > 0 && ts >= (lateUntil.get(b.id) ?? -Infinity) && u < perTick(f.perGatewayDay)) {
          const until = ts + f.windowHours * HOUR_MS;
          lateUntil.set(b.id, until);
          releaseAt.set(b.id, until + f.delayHours * HOUR_MS);
        }
      }
    }

    for (const m of model.meters) {
      const i = m.index;
      const st = states[i];
      if (!st) continue;
      const { meter } = m;
      const cumulative = meter.register === 'cumulative';
      const mult = meter.multiplier;
      const reading = (
        tsMs: number,
        value: number,
        faultsOf: readonly FaultKind[],
        note?: SimReading['note'],
      ): SimReading => ({
        kind: 'reading',
        meterId: meter.id,
        tsMs,
        value,
        seq: st.seq,
        trueTsMs: tsMs,
        faults: faultsOf,
        ...(note ? { note } : {}),
      });

      // Configured replacements (normal operation): old final just before the swap, new initial at it.
      let skipRegular = false;
      const reps = replacements[i] ?? [];
      for (let r = reps[st.nextReplacement]; r && r.atMs <= ts; r = reps[++st.nextReplacement]) {
        if (r.atMs <= st.lastTs) continue;
        st.seq++;
        events.push(reading(Math.max(st.lastTs + 1, r.atMs - 1000), r.oldFinal, [], 'replacement_old_final'));
        st.raw = r.newInitial;
        st.lastTs = r.atMs;
        st.wraps = valueOf(i, st.raw).wraps;
        st.seq++;
        events.push(reading(r.atMs, r.newInitial, [], 'replacement_new_initial'));
        if (r.atMs === ts) skipRegular = true;
      }

      // Faults that change the register itself.
      const uReplace = faults.replacement ? [rng.replacement(), rng.replacement(), rng.replacement()] : undefined;
      const uReset = faults.reset ? [rng.reset(), rng.reset()] : undefined;
      let swapped = false;
      const canSwap = ts - st.lastTs > 3000;
      if (
        cumulative &&
        canSwap &&
        dt > 0 &&
        !skipRegular &&
        uReplace &&
        faults.replacement &&
        (uReplace[0] ?? 1) < perTick(faults.replacement.perMeterDay)
      ) {
        // Whole seconds (Tasmota's Time has no fractions); the old final is read 1 s before the swap.
        const swapAt =
          st.lastTs +
          Math.min(
            ts - st.lastTs - 1000,
            Math.max(2000, Math.round(((uReplace[1] ?? 0.5) * (ts - st.lastTs)) / 1000) * 1000),
          );
        const oldAt = swapAt - 1000;
        st.raw += energy(i, st.lastTs, oldAt) / mult;
        st.seq++;
        events.push(reading(oldAt, valueOf(i, st.raw).value, ['replacement'], 'replacement_old_final'));
        st.raw = valueOf(i, 5 * (uReplace[2] ?? 0)).value;
        st.lastTs = swapAt;
        st.wraps = 0;
        st.seq++;
        events.push(reading(swapAt, st.raw, ['replacement'], 'replacement_new_initial'));
        swapped = true;
      }
      if (
        cumulative &&
        dt > 0 &&
        !skipRegular &&
        !swapped &&
        uReset &&
        faults.reset &&
        (uReset[0] ?? 1) < perTick(faults.reset.perMeterDay)
      ) {
        st.lastTs = st.lastTs + Math.floor(((uReset[1] ?? 0.5) * (ts - st.lastTs)) / 1000) * 1000;
        st.raw = 0;
        st.wraps = 0;
        st.pending.push('reset');
      }

      // The register (or the interval's consumption) at ts.
      const delta = energy(i, st.lastTs, ts);
      let value: number;
      if (cumulative) {
        st.raw += delta / mult;
        const v = valueOf(i, st.raw);
        if (v.wraps > st.wraps) st.pending.push('rollover');
        st.wraps = v.wraps;
        value = v.value;
      } else {
        value = Math.round((delta / mult) * 1000) / 1000;
      }
      st.lastTs = ts;
      const tasmota = meter.codec.kind === 'tasmota' ? tasmotaTotals(i, st, ts, energy) : undefined;
      st.prevTickTs = ts;

      // Faults on the way out. Every enabled kind draws once per meter and tick, used or not.
      const uDrop = faults.dropout ? [rng.dropout(), rng.dropout()] : undefined;
      const uZero = faults.transient_zero ? rng.transient_zero() : 1;
      const uSkew = faults.clock_skew ? rng.clock_skew() : 1;
      const uDup = faults.duplicate ? rng.duplicate() : 1;
      const uBad = faults.malformed ? [rng.malformed(), rng.malformed()] : undefined;
      if (skipRegular) continue;
      st.seq++;

      if (st.dropoutLeft > 0) {
        st.dropoutLeft--;
        events.push({ kind: 'dropped', meterId: meter.id, tsMs: ts, seq: st.seq });
        continue;
      }
      if (dt > 0 && uDrop && faults.dropout && (uDrop[0] ?? 1) < perTick(faults.dropout.perMeterDay)) {
        const { minIntervals, maxIntervals } = faults.dropout;
        st.dropoutLeft = minIntervals + Math.floor((uDrop[1] ?? 0) * (maxIntervals - minIntervals + 1)) - 1;
        events.push({ kind: 'dropped', meterId: meter.id, tsMs: ts, seq: st.seq });
        continue;
      }

      let out: SimReading;
      if (dt > 0 && cumulative && faults.transient_zero && uZero < perTick(faults.transient_zero.perMeterDay)) {
        out = reading(ts, 0, ['transient_zero']);
      } else if (dt > 0 && faults.clock_skew && uSkew < faults.clock_skew.probability) {
        const stamp = Math.max(ts, options.skewBaseMs ?? ts) + faults.clock_skew.skewHours * HOUR_MS;
        out = { ...reading(stamp, value, ['clock_skew']), trueTsMs: ts };
      } else {
        out = reading(ts, value, st.pending);
        st.pending = [];
      }
      if (tasmota) out = { ...out, tasmota };
      const copies =
        dt > 0 && faults.duplicate && uDup < faults.duplicate.probability
          ? [out, { ...out, faults: [...out.faults, 'duplicate' as const] }]
          : [out];

      const lateEnd = lateUntil.get(meter.building);
      if (lateEnd !== undefined && ts < lateEnd) {
        const release = releaseAt.get(meter.building) ?? lateEnd;
        for (const c of copies)
          held.push({ releaseAtMs: release, event: { ...c, faults: [...c.faults, 'late_batch'] } });
      } else {
        events.push(...copies);
      }

      if (dt > 0 && uBad && faults.malformed && (uBad[0] ?? 1) < faults.malformed.probability) {
        const variant = MALFORMED_VARIANTS[Math.floor((uBad[1] ?? 0) * MALFORMED_VARIANTS.length)] ?? 'garbage_json';
        events.push({ kind: 'malformed', meterId: meter.id, tsMs: ts, seq: st.seq, value, variant });
      }
    }
    return events;
  }

  /** Tasmota's Today and Yesterday are local-day totals of energy (after the multiplier). */
  function tasmotaTotals(i: number, st: MeterState, ts: number, energy: (i: number, a: number, b: number) => number) {
    const m = model.meters[i];
    if (!m) return undefined;
    const local = localParts(ts, m.timeZone);
    if (st.dayKey === undefined || st.prevTickTs === undefined) {
      st.todayKwh = model.energyBetween(i, local.midnightMs, ts);
      st.yesterdayKwh = model.energyBetween(i, local.midnightMs - DAY_MS, local.midnightMs);
    } else if (local.dateKey !== st.dayKey) {
      st.yesterdayKwh = st.todayKwh + model.energyBetween(i, st.prevTickTs, Math.max(st.prevTickTs, local.midnightMs));
      st.todayKwh = model.energyBetween(i, Math.max(st.prevTickTs, local.midnightMs), ts);
    } else {
      st.todayKwh += energy(i, st.prevTickTs, ts);
    }
    st.dayKey = local.dateKey;
    const round3 = (x: number) => Math.round(x * 1000) / 1000;
    // Power: the mean of the interval that just ended.
    return {
      powerW: Math.round(model.ratePerHour(i, ts - 1) * 1000),
      todayKwh: round3(st.todayKwh),
      yesterdayKwh: round3(st.yesterdayKwh),
    };
  }

  function flush(): SimEvent[] {
    const out = held.map((h) => h.event);
    held = [];
    return out;
  }

  return { model, tick, flush, heldCount: () => held.length };
}

export interface GenerateOptions extends SimulationOptions {
  /** Reading interval; ticks fall on multiples of it (UTC epoch, hence also on local quarter hours). Default 15 min. */
  readonly intervalMs?: number;
}

export const DEFAULT_INTERVAL_MS = 15 * MINUTE_MS;

/** The reading instants in [fromMs, toMs): multiples of intervalMs. */
export function* tickTimes(fromMs: number, toMs: number, intervalMs: number = DEFAULT_INTERVAL_MS): Generator<number> {
  if (!(intervalMs > 0)) throw new Error(`intervalMs must be positive, got ${intervalMs}`);
  for (let t = Math.ceil(fromMs / intervalMs) * intervalMs; t < toMs; t += intervalMs) yield t;
}

/**
 * Every event of a run, in delivery order: tick by tick, meters in fleet order,
 * late-batch readings when their gateway delivers them (so device timestamps go
 * back in time there), held readings at the end. Streams: nothing is kept but
 * per-meter state and the late readings in flight.
 */
export function* generateReadings(options: GenerateOptions): Generator<SimEvent, void, undefined> {
  const sim = createSimulation(options);
  for (const ts of tickTimes(options.fromMs, options.toMs, options.intervalMs)) yield* sim.tick(ts);
  yield* sim.flush();
}
