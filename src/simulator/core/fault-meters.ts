import { DEFAULT_FAULTS, type FaultConfig } from './faults.js';
import { unitHash } from './prng.js';
import type { ProfileKind } from './profiles.js';

/** What choosing a fault's meters needs to know of a meter (fleet-model.ts's ModelMeter has it). */
export interface FaultCandidate {
  readonly index: number;
  readonly meter: {
    readonly id: string;
    readonly carrier: string;
    readonly register: string;
    readonly parent?: string | undefined;
    readonly codec: { readonly kind: string };
  };
  readonly children: readonly number[];
  readonly generatorsBehind: readonly number[];
  readonly kind: ProfileKind | undefined;
  readonly key: number;
}

/** The meters each demo alert fault strikes (model indices), in phase order: the first has phase 0. */
export interface FaultMeters {
  readonly night_load: readonly number[];
  readonly unmetered_load: readonly number[];
  readonly stuck_register: readonly number[];
  readonly garbled_gateway: readonly number[];
  readonly silent_meter: readonly number[];
}

const SALT = { night_load: 0x9171, unmetered_load: 0x9172, stuck_register: 0x9173, garbled: 0x9174, silent: 0x9175 };

/**
 * Chooses each kind's meters by a hash of (seed, meter) among its class. The classes are
 * kept apart with every kind's count as configured or by default, on or off, so turning a
 * kind on never moves another kind's meters, and no meter carries two of these faults
 * (a frozen register would hide a lit night; a silent child would make its parent's day
 * incomplete rather than out of balance).
 */
export function pickFaultMeters(meters: readonly FaultCandidate[], faults: FaultConfig): FaultMeters {
  const idIndex = new Map(meters.map((m) => [m.meter.id, m.index]));
  const parentOf = (m: FaultCandidate) => (m.meter.parent === undefined ? undefined : idIndex.get(m.meter.parent));
  const pick = (count: number, salt: number, eligible: (m: FaultCandidate) => boolean): number[] =>
    meters
      .filter(eligible)
      .map((m) => ({ index: m.index, rank: unitHash(m.key, 0, salt) }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .slice(0, Math.max(0, count))
      .map((p) => p.index);
  const count = <K extends keyof FaultMeters>(kind: K) => (faults[kind] ?? DEFAULT_FAULTS[kind]).meters;
  const loadLeaf = (m: FaultCandidate) =>
    m.kind !== undefined && m.kind !== 'pv' && m.meter.carrier === 'electricity' && m.children.length === 0;

  const night = pick(count('night_load'), SALT.night_load, loadLeaf);
  const unmetered = pick(
    count('unmetered_load'),
    SALT.unmetered_load,
    (m) => m.children.length > 0 && m.meter.carrier === 'electricity' && m.generatorsBehind.length === 0,
  );
  const taken = new Set(night);
  const freeSubMeter = (m: FaultCandidate) => {
    const p = parentOf(m);
    return (
      loadLeaf(m) &&
      m.meter.register === 'cumulative' &&
      p !== undefined &&
      !unmetered.includes(p) &&
      !taken.has(m.index)
    );
  };
  const stuck = pick(count('stuck_register'), SALT.stuck_register, freeSubMeter);
  for (const i of stuck) taken.add(i);
  const silent = pick(count('silent_meter'), SALT.silent, freeSubMeter);
  for (const i of silent) taken.add(i);
  const garbled = pick(
    count('garbled_gateway'),
    SALT.garbled,
    (m) => m.meter.codec.kind === 'json' && m.children.length === 0 && !taken.has(m.index),
  );
  return {
    night_load: night,
    unmetered_load: unmetered,
    stuck_register: stuck,
    garbled_gateway: garbled,
    silent_meter: silent,
  };
}
