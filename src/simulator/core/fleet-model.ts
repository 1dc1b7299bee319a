import type { Fleet, Institution, Meter } from '../../../config/index.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../kernel/index.js';
import { cnDayKind, isWorkingDay } from './cn-holidays.js';
import { localParts } from '../../kernel/index.js';
import { hashString, signedHash, unitHash } from './prng.js';
import {
  DEFAULT_PEAK_SHARE,
  isSchoolTerm,
  loadFraction,
  occupancy,
  occupancyPatternFor,
  PEAK_SHARE,
  PROFILE_NOISE,
  profileKindFor,
  type OccupancyPattern,
  type ProfileKind,
  type SlotContext,
} from './profiles.js';
import { pickFaultMeters, type FaultMeters } from './fault-meters.js';
import type { FaultConfig } from './faults.js';
import { outdoorTempC, skyClearness, sunElevationSin, YINCHUAN, type Site } from './weather.js';

/**
 * The physical side of the simulation: how much each meter's carrier flows in
 * every 15-minute slot. Load is constant within a slot, so the energy between
 * any two instants is an exact integral, and a slot's energy is a pure function
 * of (seed, meter, slot): the same whatever range or interval is generated.
 *
 * Energies here are in the meter's unit after the multiplier (what the site
 * really used); the register counts energy / multiplier.
 */
export const MODEL_SLOT_MS = 15 * MINUTE_MS;

/** Default rating (unit per hour) for a leaf without ratedMaxPerHour. */
const DEFAULT_RATED: Readonly<Record<Meter['carrier'], number>> = {
  electricity: 50,
  pv_generation: 50,
  water: 5,
  natural_gas: 20,
  district_heat: 2,
  diesel: 40,
  gasoline: 20,
  lpg: 10,
  coal: 200,
};

export interface ModelMeter {
  readonly index: number;
  readonly meter: Meter;
  readonly institution: Institution | undefined;
  readonly timeZone: string;
  readonly children: readonly number[];
  /** On-site generation meters (PV) feeding in behind this meter: it reads net import. */
  readonly generatorsBehind: readonly number[];
  /** The profile of a leaf; undefined for a parent (sum of children plus losses). */
  readonly kind: ProfileKind | undefined;
  readonly pattern: OccupancyPattern;
  /** A leaf's peak rate, in the meter's unit per hour (after the multiplier). */
  readonly peakPerHour: number;
  /** A parent's unmetered losses as a share of its children's sum (1.5–4 %). */
  readonly lossShare: number;
  /** Stable per-meter hash key (seed and id). */
  readonly key: number;
}

export interface FleetModelOptions {
  /** Override the profile chosen from carrier and end-use code, by meter id. */
  readonly profiles?: Readonly<Record<string, ProfileKind>>;
  readonly site?: Site;
  /** The faults that change the energy itself (night_load, unmetered_load); the rest are the simulation's. */
  readonly faults?: FaultConfig;
}

export interface FleetModel {
  readonly meters: readonly ModelMeter[];
  /** The meters the demo alert faults strike (fault-meters.ts), whether those faults are on or not. */
  readonly faultMeters: FaultMeters;
  indexOf(meterId: string): number | undefined;
  /** Energy of every meter in one slot [slot × 15 min, (slot + 1) × 15 min). */
  slotEnergies(slot: number): Float64Array;
  /** Energy of every meter between two instants (fromMs < toMs; else zeros). */
  energiesBetween(fromMs: number, toMs: number): Float64Array;
  energyBetween(index: number, fromMs: number, toMs: number): number;
  /** The mean rate (unit per hour) of a meter in the slot holding tsMs. */
  ratePerHour(index: number, tsMs: number): number;
  /** The context (time, day kind, weather, occupancy) of an institution's slot. */
  context(index: number, slot: number): SlotContext;
}

export function createFleetModel(fleet: Fleet, seed: number, options: FleetModelOptions = {}): FleetModel {
  const site = options.site ?? YINCHUAN;
  const indexById = new Map(fleet.meters.map((m, i) => [m.id, i]));
  const buildings = new Map(fleet.buildings.map((b) => [b.id, b]));
  const institutions = new Map(fleet.institutions.map((inst) => [inst.id, inst]));
  const childrenOf: number[][] = fleet.meters.map(() => []);
  const generatorsBehind: number[][] = fleet.meters.map(() => []);
  fleet.meters.forEach((m, i) => {
    const p = m.parent === undefined ? undefined : indexById.get(m.parent);
    if (p !== undefined) childrenOf[p]?.push(i);
    const b = m.behindMeter === undefined ? undefined : indexById.get(m.behindMeter);
    if (b !== undefined) generatorsBehind[b]?.push(i);
  });

  const meters: ModelMeter[] = fleet.meters.map((meter, index) => {
    const building = buildings.get(meter.building);
    const institution = building ? institutions.get(building.institution) : undefined;
    const children = childrenOf[index] ?? [];
    const key = hashString(`${seed}|${meter.id}`);
    const kind = children.length > 0 ? undefined : (options.profiles?.[meter.id] ?? profileKindFor(meter));
    const rated = meter.ratedMaxPerHour ?? DEFAULT_RATED[meter.carrier];
    return {
      index,
      meter,
      institution,
      timeZone: institution?.timezone ?? 'Asia/Shanghai',
      children,
      generatorsBehind: generatorsBehind[index] ?? [],
      kind,
      pattern: occupancyPatternFor(institution?.type ?? 'government_office'),
      peakPerHour: rated * (kind === undefined ? DEFAULT_PEAK_SHARE : (PEAK_SHARE[kind] ?? DEFAULT_PEAK_SHARE)),
      lossShare: 0.015 + 0.025 * unitHash(key, 0, 0x1055),
      key,
    };
  });

  const faultMeters = pickFaultMeters(meters, options.faults ?? {});
  const nightLoad = options.faults?.night_load;
  const unmeteredLoad = options.faults?.unmetered_load;
  const phaseOf = (picked: readonly number[]) => new Map(picked.map((index, phase) => [index, phase]));
  const nightPhase = phaseOf(nightLoad ? faultMeters.night_load : []);
  const unmeteredPhase = phaseOf(unmeteredLoad ? faultMeters.unmetered_load : []);
  /** Whether a phased fault strikes on local day `day` (days since the epoch): every `every`-th day. */
  const strikesOn = (day: number, phase: number, every: number) => (((day + phase) % every) + every) % every === 0;
  const localDay = (ctx: SlotContext) => Math.floor((ctx.local.midnightMs + ctx.local.offsetMs) / DAY_MS);

  // Children before parents: deepest first.
  const depth = (i: number): number => {
    let d = 0;
    for (
      let p = fleet.meters[i]?.parent;
      p !== undefined && d < fleet.meters.length;
      p = fleet.meters[indexById.get(p) ?? -1]?.parent
    )
      d++;
    return d;
  };
  const order = meters.map((m) => m.index).sort((a, b) => depth(b) - depth(a));

  // One context per (zone, institution pattern) and slot; the weather is shared.
  const contextCache = new Map<string, { slot: number; ctx: SlotContext }>();
  const contextFor = (m: ModelMeter, slot: number): SlotContext => {
    const cacheKey = `${m.timeZone}|${m.pattern}`;
    const hit = contextCache.get(cacheKey);
    if (hit && hit.slot === slot) return hit.ctx;
    const mid = slot * MODEL_SLOT_MS + MODEL_SLOT_MS / 2;
    const local = localParts(mid, m.timeZone);
    const dayKind = cnDayKind(local.dateKey, local.weekday);
    const schoolTerm = isSchoolTerm(local);
    const dayNumber = Math.floor((local.midnightMs + local.offsetMs) / DAY_MS);
    const ctx: SlotContext = {
      local,
      dayKind,
      working: isWorkingDay(dayKind),
      occupancy: occupancy(m.pattern, local, dayKind, schoolTerm),
      tempC: outdoorTempC(local.dayOfYear, local.hour, signedHash(seed, dayNumber, 0x7e3)),
      sunSin: sunElevationSin(mid, site),
      clearness: skyClearness(unitHash(seed, dayNumber, 0xc10d), unitHash(seed, slot, 0xc10e)),
      heatingSeason: local.month >= 11 || local.month <= 3,
      coolingSeason: local.month >= 6 && local.month <= 8,
      schoolTerm,
    };
    contextCache.set(cacheKey, { slot, ctx });
    return ctx;
  };

  const slotHours = MODEL_SLOT_MS / HOUR_MS;
  const leafEnergy = (m: ModelMeter, kind: ProfileKind, slot: number): number => {
    const ctx = contextFor(m, slot);
    const day = localDay(ctx);
    // night_load: a pure function of the local day and hour, so every run adds it to the same slots.
    const phase = nightPhase.get(m.index);
    const lit =
      nightLoad !== undefined &&
      phase !== undefined &&
      ctx.local.hour >= nightLoad.fromHour &&
      ctx.local.hour < nightLoad.toHour &&
      strikesOn(day, phase, nightLoad.everyNights);
    const extra = lit ? m.peakPerHour * nightLoad.extraShare * slotHours : 0;
    const base = loadFraction(kind, ctx, m.pattern);
    if (base <= 0) return extra;
    const noisy =
      base * (1 + PROFILE_NOISE[kind] * signedHash(m.key, slot, 1)) * (1 + 0.06 * signedHash(m.key, day, 2));
    const fraction = Math.min(kind === 'pv' ? 1 : 1.1, Math.max(0, noisy));
    return m.peakPerHour * fraction * slotHours + extra;
  };
  /**
   * A parent reads its children plus losses, minus on-site generation behind it
   * (the meter sees net import). Generation above the load is exported, which no
   * meter here records: the import then reads 0.
   */
  const withLosses = (m: ModelMeter, childSum: number, slot: number) => {
    let generated = 0;
    for (const g of m.generatorsBehind) {
      const generator = meters[g];
      if (generator?.kind !== undefined) generated += leafEnergy(generator, generator.kind, slot);
    }
    // unmetered_load: a load behind the parent that no sub-meter sees, on the parent's days.
    const phase = unmeteredPhase.get(m.index);
    const unmetered =
      unmeteredLoad !== undefined &&
      phase !== undefined &&
      strikesOn(localDay(contextFor(m, slot)), phase, unmeteredLoad.everyDays)
        ? unmeteredLoad.extraShare * childSum
        : 0;
    return Math.max(0, childSum * (1 + m.lossShare * (1 + 0.3 * signedHash(m.key, slot, 3))) + unmetered - generated);
  };

  /** Every meter's energy in a slot, children before parents. */
  const computeSlot = (slot: number): Float64Array => {
    const energy = new Float64Array(meters.length);
    for (const i of order) {
      const m = meters[i];
      if (!m) continue;
      if (m.kind !== undefined) energy[i] = leafEnergy(m, m.kind, slot);
      else {
        let sum = 0;
        for (const c of m.children) sum += energy[c] ?? 0;
        energy[i] = withLosses(m, sum, slot);
      }
    }
    return energy;
  };

  /** One meter's energy in a slot, computing only its subtree (for long spans of one meter). */
  const meterSlot = (i: number, slot: number): number => {
    const m = meters[i];
    if (!m) return 0;
    if (m.kind !== undefined) return leafEnergy(m, m.kind, slot);
    let sum = 0;
    for (const c of m.children) sum += meterSlot(c, slot);
    return withLosses(m, sum, slot);
  };

  /**
   * Two days of slots: a register origin (origin-energy.ts) reads a day's slots ahead of the
   * ticks, which then find them here instead of computing them again.
   */
  const SLOT_CACHE_SIZE = 192;
  const cache = new Map<number, Float64Array>();
  const slotEnergies = (slot: number): Float64Array => {
    const hit = cache.get(slot);
    if (hit) return hit;
    const computed = computeSlot(slot);
    cache.set(slot, computed);
    if (cache.size > SLOT_CACHE_SIZE) cache.delete(cache.keys().next().value as number);
    return computed;
  };

  const energiesBetween = (fromMs: number, toMs: number): Float64Array => {
    const total = new Float64Array(meters.length);
    if (!(toMs > fromMs)) return total;
    const first = Math.floor(fromMs / MODEL_SLOT_MS);
    const last = Math.floor((toMs - 1) / MODEL_SLOT_MS);
    for (let s = first; s <= last; s++) {
      const start = s * MODEL_SLOT_MS;
      const overlap = Math.min(toMs, start + MODEL_SLOT_MS) - Math.max(fromMs, start);
      if (overlap <= 0) continue;
      const share = overlap / MODEL_SLOT_MS;
      // Long spans (anchoring a replacement) would churn the small cache: compute directly.
      const e = last - first > 8 ? computeSlot(s) : slotEnergies(s);
      for (let i = 0; i < total.length; i++) total[i] = (total[i] ?? 0) + (e[i] ?? 0) * share;
    }
    return total;
  };

  return {
    meters,
    faultMeters,
    indexOf: (meterId) => indexById.get(meterId),
    slotEnergies,
    energiesBetween,
    energyBetween: (index, fromMs, toMs) => {
      if (!(toMs > fromMs)) return 0;
      const first = Math.floor(fromMs / MODEL_SLOT_MS);
      const last = Math.floor((toMs - 1) / MODEL_SLOT_MS);
      if (last - first <= 8) return energiesBetween(fromMs, toMs)[index] ?? 0;
      let total = 0;
      for (let s = first; s <= last; s++) {
        const start = s * MODEL_SLOT_MS;
        const overlap = Math.min(toMs, start + MODEL_SLOT_MS) - Math.max(fromMs, start);
        if (overlap > 0) total += (meterSlot(index, s) * overlap) / MODEL_SLOT_MS;
      }
      return total;
    },
    ratePerHour: (index, tsMs) => (slotEnergies(Math.floor(tsMs / MODEL_SLOT_MS))[index] ?? 0) / slotHours,
    context: (index, slot) => {
      const m = meters[index];
      if (!m) throw new Error(`no meter at index ${index}`);
      return contextFor(m, slot);
    },
  };
}
