import { MODEL_SLOT_MS, type FleetModel } from './fleet-model.js';

/**
 * Every meter's energy from a fixed origin, E(origin, t), computed so that the
 * same instant gives the same float in every run, whatever the run's start:
 * slot energies are added one by one in one canonical order (forward from the
 * origin for later slots, backward from it for earlier ones), so two runs that
 * reach a slot by different routes still perform the same additions. A register
 * built as `base + E(origin, t) / multiplier` is then a pure function of
 * (seed, meter, t), which is what makes a restarted demo re-publish its backfill
 * with the values it published before (docs/methodology.md §2).
 *
 * Prefix sums are kept at a checkpoint every BLOCK_SLOTS slots, and the last few
 * blocks in full, so a run pays once for the distance from the origin (about 1 s
 * per year for the demo fleet) and then one block at a time.
 */
export interface OriginEnergy {
  /** Energy (after the multiplier) of meter `index` from the origin to tMs; negative before the origin. */
  at(index: number, tMs: number): number;
}

/** One local day of 15-minute slots. */
const BLOCK_SLOTS = 96;
/** Blocks kept in full: the current one, and the previous for instants inside the last interval. */
const KEPT_BLOCKS = 3;

interface Block {
  /** prefix[k]: energy from the origin to the start of the block's k-th slot. */
  readonly prefix: readonly Float64Array[];
  /** energy[k]: the block's k-th slot energy (for instants inside a slot). */
  readonly energy: readonly Float64Array[];
}

export function createOriginEnergy(model: FleetModel, originMs: number): OriginEnergy {
  const n = model.meters.length;
  const originSlot = Math.floor(originMs / MODEL_SLOT_MS);
  const firstSlotOf = (block: number) => originSlot + block * BLOCK_SLOTS;
  /** checkpoints.get(b): energy from the origin to the start of block b (b < 0 before the origin). */
  const checkpoints = new Map<number, Float64Array>([[0, new Float64Array(n)]]);
  let highest = 0;
  let lowest = 0;
  const blocks = new Map<number, Block>();

  const addInto = (sum: Float64Array, e: Float64Array, sign: 1 | -1) => {
    for (let i = 0; i < n; i++) sum[i] = (sum[i] ?? 0) + sign * (e[i] ?? 0);
  };
  const checkpoint = (b: number): Float64Array => {
    while (highest < b) {
      const p = Float64Array.from(checkpoints.get(highest) ?? []);
      for (let s = firstSlotOf(highest); s < firstSlotOf(highest + 1); s++) addInto(p, model.slotEnergies(s), 1);
      checkpoints.set(++highest, p);
    }
    while (lowest > b) {
      const p = Float64Array.from(checkpoints.get(lowest) ?? []);
      for (let s = firstSlotOf(lowest) - 1; s >= firstSlotOf(lowest - 1); s--) addInto(p, model.slotEnergies(s), -1);
      checkpoints.set(--lowest, p);
    }
    const cp = checkpoints.get(b);
    if (!cp) throw new Error(`no checkpoint ${b}`);
    return cp;
  };

  /** A block's prefix sums, by the same additions as the checkpoints (upward after the origin, downward before). */
  const blockOf = (b: number): Block => {
    const hit = blocks.get(b);
    if (hit) return hit;
    const first = firstSlotOf(b);
    const energy = Array.from({ length: BLOCK_SLOTS }, (_, k) => Float64Array.from(model.slotEnergies(first + k)));
    const prefix: Float64Array[] = new Array<Float64Array>(BLOCK_SLOTS);
    if (b >= 0) {
      let p = Float64Array.from(checkpoint(b));
      for (let k = 0; k < BLOCK_SLOTS; k++) {
        prefix[k] = p;
        p = Float64Array.from(p);
        addInto(p, energy[k] ?? new Float64Array(n), 1);
      }
    } else {
      let p = Float64Array.from(checkpoint(b + 1));
      for (let k = BLOCK_SLOTS - 1; k >= 0; k--) {
        p = Float64Array.from(p);
        addInto(p, energy[k] ?? new Float64Array(n), -1);
        prefix[k] = p;
      }
    }
    const block = { prefix, energy };
    blocks.set(b, block);
    if (blocks.size > KEPT_BLOCKS) blocks.delete(blocks.keys().next().value as number);
    return block;
  };

  return {
    at(index, tMs) {
      const slot = Math.floor(tMs / MODEL_SLOT_MS);
      const b = Math.floor((slot - originSlot) / BLOCK_SLOTS);
      const block = blockOf(b);
      const k = slot - firstSlotOf(b);
      const before = block.prefix[k]?.[index] ?? 0;
      const share = (tMs - slot * MODEL_SLOT_MS) / MODEL_SLOT_MS;
      return share > 0 ? before + (block.energy[k]?.[index] ?? 0) * share : before;
    },
  };
}
