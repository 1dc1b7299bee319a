import type { Fleet } from '../../../config/index.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, parseIsoInstant } from '../../kernel/index.js';
import { impliedRegisterResolution, registerDecimals } from '../../../accounting/index.js';
import { createFleetModel, type FleetModel } from './fleet-model.js';
import {
  FAULT_KINDS,
  GARBLED_VARIANTS,
  MALFORMED_VARIANTS,
  type FaultConfig,
  type FaultKind,
  type MalformedVariant,
} from './faults.js';
import { localParts } from '../../kernel/index.js';
import { createOriginEnergy, type OriginEnergy } from './origin-energy.js';
import { hash3, hashString, mulberry32, unitHash } from './prng.js';
import type { ProfileKind } from './profiles.js';
import type { Site } from './weather.js';

/**
 * The simulator's core: a deterministic stepper that turns the fleet model's
 * energy into what meters would send: cumulative registers (energy / multiplier,
 * wrapping after registerMax) or interval values, configured replacements, and
 * the opt-in faults of faults.ts. Pure: no clock, no I/O; the caller chooses the
 * instants (`tick`), so the same code drives a 60-day backfill and live readings.
 *
 * Determinism across runs (docs/methodology.md §2): the faults the
 * demo uses (dropout, late_batch, duplicate, transient_zero, malformed, clock_skew)
 * are decided by a hash of (seed, meter or building, kind, instant), never by how
 * many ticks came before; with `registerOriginMs` the fault-free registers are pure
 * functions of (seed, meter, instant) too. So two runs over overlapping ranges send
 * the same reading for the same meter and instant. reset, rollover and replacement
 * rewrite the register history itself and stay run-relative (sequential streams
 * drawn from the run's start); the demo does not enable them.
 */

/** A reading as a meter sends it. */
export interface SimReading {
  readonly kind: 'reading';
  readonly meterId: string;
  /** The device's timestamp, UTC ms (differs from trueTsMs only under clock_skew). */
  readonly tsMs: number;
  /** The register (cumulative meters) or the interval's consumption (interval meters), in register units. */
  readonly value: number;
  /**
   * Per meter and run, +1 for every reading the meter sends (lost ones included); a duplicate repeats it.
   * A counter of this run, so a restarted run numbers the same reading differently: the stores never key on it.
   */
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
   * The nominal reading interval. Fault rates per tick follow the time since the previous
   * tick; the first tick of a run uses this (without it, no fault strikes on a first tick),
   * so a tick gets the same fault decisions whether or not it starts the run.
   */
  readonly intervalMs?: number;
  /**
   * A fixed instant the fault-free cumulative registers count from: the register at t is
   * base(seed, meter) + E(origin, t) / multiplier (wrapped), the same in every run whatever
   * its start. Costs one pass over the model from the origin to the run (about 1 s per
   * year for the demo fleet), so only the demo sets it. Without it a register starts at an
   * estimate taken from the week before fromMs and counts on (run-relative).
   */
  readonly registerOriginMs?: number;
  /**
   * Clock-skewed stamps are max(true time, skewBaseMs) + skew. Pass the wall clock
   * at start so that skewed backfill readings are in the future when they arrive:
   * ingest quarantines them (future_timestamp, beyond limits.maxFutureSkewMs, 5 min by
   * default), so a run-relative stamp never reaches the readings table.
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
/**
 * With a register origin, the register there has counted 2–7.5 years, so that it stays
 * positive for years before the origin (a register without a maximum never goes below 0).
 */
const ORIGIN_MIN_YEARS = 2;

/**
 * The demo's register origin: 2026-01-01T00:00:00+08:00. Fixed, so every start of
 * the main job computes the same registers; runs far from it pay about 1 s per year.
 */
export const DEMO_REGISTER_ORIGIN_MS = Date.UTC(2025, 11, 31, 16, 0, 0);
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
  /** With a register origin: raw = offset + E(origin, t) / multiplier. */
  offset: number;
  /** The instant `raw` describes. */
  lastTs: number;
  /** Completed wraps at the last reading. */
  wraps: number;
  seq: number;
  nextReplacement: number;
  /** Faults (reset, rollover) waiting for the next reading that is really sent. */
  pending: FaultKind[];
  prevTickTs: number | undefined;
  dayKey: string | undefined;
  todayKwh: number;
  yesterdayKwh: number;
  /** stuck_register: the register shown during the freeze that began at atMs. */
  frozen: { readonly atMs: number; readonly value: number } | undefined;
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
    faults,
  });
  const struckMeters = (on: boolean, picked: readonly number[]) =>
    new Map((on ? picked : []).map((index, phase) => [index, phase]));
  const stuckPhase = struckMeters(faults.stuck_register !== undefined, model.faultMeters.stuck_register);
  const silentMeters = struckMeters(faults.silent_meter !== undefined, model.faultMeters.silent_meter);
  const garbledMeters = struckMeters(faults.garbled_gateway !== undefined, model.faultMeters.garbled_gateway);
  const silentFromMs = toMs - (faults.silent_meter?.hours ?? 0) * HOUR_MS;
  /**
   * The start of the stuck_register freeze covering ts, if any: meter `phase` freezes every UTC day
   * from phase × 24 / meters hours for `hours` hours (a freeze may run over midnight). Pure in ts.
   */
  const freezeStart = (phase: number, ts: number): number | undefined => {
    const f = faults.stuck_register;
    if (!f || f.meters <= 0) return undefined;
    const offsetMs = Math.round((phase * DAY_MS) / f.meters);
    const lengthMs = Math.min(f.hours, 24) * HOUR_MS;
    const today = Math.floor(ts / DAY_MS) * DAY_MS + offsetMs;
    for (const start of [today, today - DAY_MS]) if (ts > start && ts < start + lengthMs) return start;
    return undefined;
  };
  // Sequential streams: only for the faults that rewrite the register history (run-relative).
  const rng = Object.fromEntries(FAULT_KINDS.map((k, i) => [k, mulberry32(hash3(seed, i + 1, 0xfa17))])) as Record<
    FaultKind,
    () => number
  >;
  /** A fault decision in [0, 1): a pure function of (key, kind, instant, draw); `key` already holds the seed. */
  const draw = (key: number, kind: FaultKind, tsMs: number, n = 0): number =>
    unitHash(hash3(key, FAULT_KINDS.indexOf(kind) + 1, 0xfa17 + n), Math.floor(tsMs / 2 ** 32), tsMs >>> 0);
  const buildingKey = new Map(fleet.buildings.map((b) => [b.id, hashString(`${seed}|building|${b.id}`)]));
  const origin: OriginEnergy | undefined =
    options.registerOriginMs === undefined ? undefined : createOriginEnergy(model, options.registerOriginMs);

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
  /** The register shown for a raw count; a raw count below 0 (before a register origin) has wrapped backwards. */
  const valueOf = (i: number, raw: number): { value: number; wraps: number } => {
    const reg = registers[i];
    if (!reg) return { value: raw, wraps: 0 };
    const units = Math.round(raw * reg.scale);
    if (!Number.isFinite(reg.modUnits)) return { value: units / reg.scale, wraps: 0 };
    const shown = ((units % reg.modUnits) + reg.modUnits) % reg.modUnits;
    return { value: shown / reg.scale, wraps: Math.floor(units / reg.modUnits) };
  };
  /** With a register origin: the raw count at t; a register without a maximum stops at 0. */
  const registerAt = (i: number, offset: number, t: number): number => {
    const meter = model.meters[i]?.meter;
    const raw = offset + (origin?.at(i, t) ?? 0) / (meter?.multiplier ?? 1);
    return Number.isFinite(registers[i]?.modulus ?? Infinity) ? raw : Math.max(0, raw);
  };
  /** Sets the register to `raw` at instant t (a reset, a replacement, a planned rollover). */
  const setRegister = (i: number, st: MeterState, raw: number, t: number) => {
    st.raw = raw;
    if (origin) st.offset = raw - origin.at(i, t) / (model.meters[i]?.meter.multiplier ?? 1);
  };
  /**
   * The start of the episode (a dropout, a late window) that covers the tick at ts, if any:
   * a pure function of the instant. An episode may start at any tick (by the hash there)
   * unless another could have started in the maxTicks ticks before it (so episodes never
   * overlap or touch), and covers lengthOf(start) ticks of the current interval.
   */
  const episodeAt = (
    key: number,
    kind: FaultKind,
    ts: number,
    gapMs: number,
    perDay: number,
    maxTicks: number,
    lengthOf: (startMs: number) => number,
  ): number | undefined => {
    const p = 1 - Math.exp((-perDay * gapMs) / DAY_MS);
    const candidate = (t: number) => draw(key, kind, t) < p;
    for (let j = 0; j < maxTicks; j++) {
      const start = ts - j * gapMs;
      if (!candidate(start) || lengthOf(start) <= j) continue;
      let earlier = false;
      for (let k = 1; k <= maxTicks && !earlier; k++) earlier = candidate(start - k * gapMs);
      if (!earlier) return start;
    }
    return undefined;
  };
  const droppedAt = (key: number, ts: number, gapMs: number, f: NonNullable<FaultConfig['dropout']>): boolean =>
    episodeAt(
      key,
      'dropout',
      ts,
      gapMs,
      f.perMeterDay,
      f.maxIntervals,
      (start) => f.minIntervals + Math.floor(draw(key, 'dropout', start, 1) * (f.maxIntervals - f.minIntervals + 1)),
    ) !== undefined;
  /** Counts the register on from st.lastTs to t: exact from the origin, or the model's energy added on. */
  const advance = (i: number, st: MeterState, t: number, energy: (i: number, a: number, b: number) => number) => {
    if (origin) st.raw = registerAt(i, st.offset, t);
    else st.raw += energy(i, st.lastTs, t) / (model.meters[i]?.meter.multiplier ?? 1);
  };

  const replacements: Replacement[][] = model.meters.map(({ meter }) =>
    meter.register === 'cumulative'
      ? meter.replacements
          .map((r) => ({ atMs: parseIsoInstant(r.at) ?? Number.NaN, oldFinal: r.oldFinal, newInitial: r.newInitial }))
          .filter((r) => Number.isFinite(r.atMs))
          .sort((a, b) => a.atMs - b.atMs)
      : [],
  );

  const weekBefore = model.energiesBetween(fromMs - 7 * DAY_MS, fromMs);
  const weekBeforeOrigin =
    options.registerOriginMs === undefined
      ? undefined
      : model.energiesBetween(options.registerOriginMs - 7 * DAY_MS, options.registerOriginMs);
  const states: MeterState[] = model.meters.map((m, i) => {
    const { meter } = m;
    const reps = replacements[i] ?? [];
    let nextReplacement = reps.findIndex((r) => r.atMs > fromMs);
    if (nextReplacement < 0) nextReplacement = reps.length;
    const next = reps[nextReplacement];
    const prev = reps[nextReplacement - 1];
    let raw = 0;
    let offset = 0;
    if (meter.register === 'cumulative' && origin) {
      // Pure in (seed, meter, instant): anchored at the configured replacement around fromMs, else at base.
      const e = (t: number) => origin.at(i, t) / meter.multiplier;
      if (next) offset = next.oldFinal - e(next.atMs);
      else if (prev) offset = prev.newInitial - e(prev.atMs);
      else {
        const years = ORIGIN_MIN_YEARS + 5.5 * unitHash(m.key, 0, 0x5747);
        const annual = ((weekBeforeOrigin?.[i] ?? 0) * WEEKS_PER_YEAR) / meter.multiplier;
        offset = years * annual + 10 * unitHash(m.key, 0, 0x5748);
        const reg = registers[i];
        if (reg && Number.isFinite(reg.modulus)) offset %= 0.6 * reg.modulus;
      }
      raw = registerAt(i, offset, fromMs);
    } else if (meter.register === 'cumulative') {
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
      offset,
      lastTs: fromMs,
      wraps: valueOf(i, raw).wraps,
      seq: 0,
      nextReplacement,
      pending: [],
      prevTickTs: undefined,
      dayKey: undefined,
      todayKwh: 0,
      yesterdayKwh: 0,
      frozen: undefined,
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
      setRegister(pick.index, st, Math.max(0, reg.modulus - Math.max(before, 1 / reg.scale)), fromMs);
    }
  }

  /** Per building, the release instant of the late window covering the current tick. */
  const releaseAt = new Map<string, number>();
  let held: Held[] = [];
  let lastTick: number | undefined;

  function tick(ts: number): SimEvent[] {
    if (lastTick !== undefined && ts <= lastTick) throw new Error(`ticks must increase: ${ts} after ${lastTick}`);
    if (ts < fromMs) throw new Error(`tick ${ts} is before the run's start ${fromMs}`);
    const dt = lastTick === undefined ? 0 : ts - lastTick;
    const commonFrom = lastTick ?? fromMs;
    const common = model.energiesBetween(commonFrom, ts);
    const energy = (i: number, a: number, b: number) =>
      a === commonFrom && b === ts ? (common[i] ?? 0) : model.energyBetween(i, a, b);
    const perTick = (perDay: number) => 1 - Math.exp((-perDay * dt) / DAY_MS);
    // The hash-decided faults: the tick's interval, the nominal one on a run's first tick.
    const gapMs = lastTick === undefined ? (options.intervalMs ?? 0) : ts - lastTick;
    const perGap = (perDay: number) => 1 - Math.exp((-perDay * gapMs) / DAY_MS);
    const nominalMs = options.intervalMs;
    const onGrid = nominalMs === undefined || ts % nominalMs === 0;
    lastTick = ts;

    const events: SimEvent[] = [];
    const due = held.filter((h) => h.releaseAtMs <= ts);
    if (due.length > 0) {
      held = held.filter((h) => h.releaseAtMs > ts);
      for (const h of due) events.push(h.event);
    }

    if (faults.late_batch) {
      const f = faults.late_batch;
      const windowMs = f.windowHours * HOUR_MS;
      const windowTicks = gapMs > 0 ? Math.max(1, Math.ceil(windowMs / gapMs)) : 0;
      for (const b of fleet.buildings) {
        // A gateway's window [start, start + windowHours), a pure function of the instant like a dropout.
        const start =
          gapMs > 0
            ? episodeAt(
                buildingKey.get(b.id) ?? 0,
                'late_batch',
                ts,
                gapMs,
                f.perGatewayDay,
                windowTicks,
                () => windowTicks,
              )
            : undefined;
        if (start === undefined) releaseAt.delete(b.id);
        else releaseAt.set(b.id, start + windowMs + f.delayHours * HOUR_MS);
      }
    }

    for (const m of model.meters) {
      const i = m.index;
      const st = states[i];
      if (!st) continue;
      const { meter } = m;
      const cumulative = meter.register === 'cumulative';
      const mult = meter.multiplier;
      // An interval meter reports its fixed interval: finer (live) ticks between its instants send
      // nothing, else a restarted backfill would store another value at the same instant.
      if (!cumulative && nominalMs !== undefined && !onGrid) continue;
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
        setRegister(i, st, r.newInitial, r.atMs);
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
        advance(i, st, oldAt, energy);
        st.seq++;
        events.push(reading(oldAt, valueOf(i, st.raw).value, ['replacement'], 'replacement_old_final'));
        setRegister(i, st, valueOf(i, 5 * (uReplace[2] ?? 0)).value, swapAt);
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
        setRegister(i, st, 0, st.lastTs);
        st.wraps = 0;
        st.pending.push('reset');
      }

      // The register (or the interval's consumption) at ts.
      let value: number;
      let frozenNow = false;
      if (cumulative) {
        advance(i, st, ts, energy);
        const v = valueOf(i, st.raw);
        if (v.wraps > st.wraps) st.pending.push('rollover');
        st.wraps = v.wraps;
        value = v.value;
        const phase = stuckPhase.get(i);
        const frozenAt = phase === undefined ? undefined : freezeStart(phase, ts);
        if (frozenAt !== undefined) {
          // The register at the freeze's start: from the origin a pure function of that instant; without
          // one, counted back from this tick (run-relative, like the registers themselves).
          if (st.frozen?.atMs !== frozenAt) {
            const raw = origin
              ? registerAt(i, st.offset, frozenAt)
              : st.raw - energy(i, Math.max(frozenAt, fromMs), ts) / mult;
            st.frozen = { atMs: frozenAt, value: valueOf(i, raw).value };
          }
          value = st.frozen.value;
          frozenNow = true;
        }
      } else {
        // With a nominal interval, always a whole one (a run's first too), as in any run that goes through ts.
        const intervalFrom = nominalMs === undefined ? st.lastTs : ts - nominalMs;
        value = Math.round((energy(i, intervalFrom, ts) / mult) * 1000) / 1000;
      }
      st.lastTs = ts;
      const tasmota = meter.codec.kind === 'tasmota' ? tasmotaTotals(i, st, ts, energy) : undefined;
      st.prevTickTs = ts;

      // Faults on the way out: each decided by the hash of (meter, kind, instant), so a kind strikes
      // in the same places whatever else is on and wherever the run starts.
      if (skipRegular) continue;
      // silent_meter: from some hours before the planned end on, nothing is sent (nor counted).
      if (silentMeters.has(i) && ts >= silentFromMs) {
        st.pending = [];
        continue;
      }
      st.seq++;

      if (faults.dropout && gapMs > 0 && droppedAt(m.key, ts, gapMs, faults.dropout)) {
        events.push({ kind: 'dropped', meterId: meter.id, tsMs: ts, seq: st.seq });
        continue;
      }

      let out: SimReading;
      const struck = (kind: FaultKind, p: number) => gapMs > 0 && draw(m.key, kind, ts) < p;
      // A transient zero changes the stored value: with a nominal interval it strikes only on that grid, at
      // that interval's rate, so finer live ticks and a later backfill agree at every instant.
      const zeroPerDay = faults.transient_zero?.perMeterDay ?? 0;
      const zeroChance =
        nominalMs === undefined ? perGap(zeroPerDay) : onGrid ? 1 - Math.exp((-zeroPerDay * nominalMs) / DAY_MS) : 0;
      if (cumulative && faults.transient_zero && struck('transient_zero', zeroChance)) {
        out = reading(ts, 0, ['transient_zero']);
      } else if (faults.clock_skew && struck('clock_skew', faults.clock_skew.probability)) {
        const stamp = Math.max(ts, options.skewBaseMs ?? ts) + faults.clock_skew.skewHours * HOUR_MS;
        out = { ...reading(stamp, value, ['clock_skew']), trueTsMs: ts };
      } else {
        out = reading(ts, value, frozenNow ? [...st.pending, 'stuck_register'] : st.pending);
        st.pending = [];
      }
      if (tasmota) out = { ...out, tasmota };
      const copies =
        faults.duplicate && struck('duplicate', faults.duplicate.probability)
          ? [out, { ...out, faults: [...out.faults, 'duplicate' as const] }]
          : [out];

      const release = releaseAt.get(meter.building);
      if (release !== undefined) {
        for (const c of copies)
          held.push({ releaseAtMs: release, event: { ...c, faults: [...c.faults, 'late_batch'] } });
      } else {
        events.push(...copies);
      }

      if (faults.malformed && struck('malformed', faults.malformed.probability)) {
        const pick = Math.floor(draw(m.key, 'malformed', ts, 1) * MALFORMED_VARIANTS.length);
        const variant = MALFORMED_VARIANTS[pick] ?? 'garbage_json';
        events.push({ kind: 'malformed', meterId: meter.id, tsMs: ts, seq: st.seq, value, variant });
      }
      if (
        faults.garbled_gateway &&
        garbledMeters.has(i) &&
        struck('garbled_gateway', faults.garbled_gateway.probability)
      ) {
        const pick = Math.floor(draw(m.key, 'garbled_gateway', ts, 1) * GARBLED_VARIANTS.length);
        const variant = GARBLED_VARIANTS[pick] ?? 'wrong_type';
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

/** `intervalMs` also sets the ticks: multiples of it (UTC epoch, hence on local quarter hours). Default 15 min. */
export type GenerateOptions = SimulationOptions;

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
