import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-report.js';

/**
 * The Merkle tree over a closed period's input (docs/methodology.md, "Closed
 * periods"): one leaf per (meter, local day) with a reading, holding the
 * register figures the day's consumption is computed from, RFC 6962 style:
 *
 *   leaf hash  = SHA-256(0x00 ‖ canonical JSON of the leaf)
 *   node hash  = SHA-256(0x01 ‖ left ‖ right)
 *   MTH(n > 1) = node(MTH(first k leaves), MTH(the rest)), k the largest power of two below n
 *   MTH(1)     = the leaf hash; MTH(0) = SHA-256 of nothing
 *
 * The split at a power of two is how RFC 6962 §2.1 handles a count that is not
 * a power of two: no node is duplicated (duplication would let two different
 * leaf lists share a root), the last subtree is simply smaller. The 0x00/0x01
 * prefixes keep a leaf from ever being read as a node (second pre-image).
 */

/** One meter's readings on one local day, reduced as the store reduces them (accounting's register segment). */
export interface MeterDayLeaf {
  readonly meterId: string;
  /** The local date, YYYY-MM-DD, in the time zone of the report. */
  readonly day: string;
  /** The first and last reading of the day (UTC ms, register units before the multiplier). */
  readonly firstTsMs: number;
  readonly firstValue: number;
  readonly lastTsMs: number;
  readonly lastValue: number;
  /** How many readings the day holds. */
  readonly readings: number;
  /** Readings below the one before them (rollover, replacement, a dip): the day is then read raw. */
  readonly decreases: number;
  /** The highest rate between consecutive readings, register units per hour; null with no previous reading. */
  readonly maxRatePerHour: number | null;
}

/** One step of an inclusion proof: the sibling's hash and on which side it sits. */
export interface ProofStep {
  readonly side: 'left' | 'right';
  /** Hex SHA-256. */
  readonly hash: string;
}

export interface InclusionProof {
  readonly leaf: MeterDayLeaf;
  /** The leaf's position in the sorted leaves, and how many there are. */
  readonly index: number;
  readonly leafCount: number;
  /** From the leaf up to the root. */
  readonly path: readonly ProofStep[];
}

/** Leaves in tree order: by meter id, then day (code-unit order, the same on every platform). */
export function sortLeaves(leaves: readonly MeterDayLeaf[]): MeterDayLeaf[] {
  return [...leaves].sort((a, b) => compare(a.meterId, b.meterId) || compare(a.day, b.day));
}

/** The leaf's canonical JSON: the text its hash is taken over, and what is stored per leaf. */
export function leafJson(leaf: MeterDayLeaf): string {
  return canonicalJson({
    meterId: leaf.meterId,
    day: leaf.day,
    firstTsMs: leaf.firstTsMs,
    firstValue: leaf.firstValue,
    lastTsMs: leaf.lastTsMs,
    lastValue: leaf.lastValue,
    readings: leaf.readings,
    decreases: leaf.decreases,
    maxRatePerHour: leaf.maxRatePerHour,
  });
}

export function leafHash(leaf: MeterDayLeaf): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(leafJson(leaf), 'utf8')
    .digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** Hex root over leaves already in tree order (sortLeaves). */
export function merkleRoot(leaves: readonly MeterDayLeaf[]): string {
  return rootOfHashes(leaves.map(leafHash)).toString('hex');
}

function rootOfHashes(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return createHash('sha256').digest();
  if (hashes.length === 1) return hashes[0] as Buffer;
  const k = splitPoint(hashes.length);
  return nodeHash(rootOfHashes(hashes.slice(0, k)), rootOfHashes(hashes.slice(k)));
}

/** The largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The proof for the leaf at `index` of leaves in tree order. */
export function inclusionProof(leaves: readonly MeterDayLeaf[], index: number): InclusionProof {
  const leaf = leaves[index];
  if (leaf === undefined) throw new RangeError(`no leaf at index ${index} of ${leaves.length}`);
  const hashes = leaves.map(leafHash);
  const path: ProofStep[] = [];
  // Top-down, each level adds the sibling subtree's root; reversed at the end to read leaf-up.
  let from = 0;
  let to = hashes.length;
  while (to - from > 1) {
    const k = splitPoint(to - from);
    const mid = from + k;
    if (index < mid) {
      path.push({ side: 'right', hash: rootOfHashes(hashes.slice(mid, to)).toString('hex') });
      to = mid;
    } else {
      path.push({ side: 'left', hash: rootOfHashes(hashes.slice(from, mid)).toString('hex') });
      from = mid;
    }
  }
  return { leaf, index, leafCount: leaves.length, path: path.reverse() };
}

/** The root the proof leads to from its leaf (compare it with the signed root). */
export function rootOfProof(proof: Pick<InclusionProof, 'leaf' | 'path'>): string {
  let hash = leafHash(proof.leaf);
  for (const step of proof.path) {
    const sibling = Buffer.from(step.hash, 'hex');
    hash = step.side === 'left' ? nodeHash(sibling, hash) : nodeHash(hash, sibling);
  }
  return hash.toString('hex');
}

/** True when the proof leads from its leaf to `rootHex`. */
export function verifyInclusion(proof: Pick<InclusionProof, 'leaf' | 'path'>, rootHex: string): boolean {
  return rootOfProof(proof) === rootHex.toLowerCase();
}

/** Meter-days whose leaves differ between two leaf lists (each in tree order): added, removed or changed. */
export interface LeafChange {
  readonly meterId: string;
  readonly day: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before: MeterDayLeaf | null;
  readonly after: MeterDayLeaf | null;
}

export function diffLeaves(before: readonly MeterDayLeaf[], after: readonly MeterDayLeaf[]): LeafChange[] {
  const key = (l: MeterDayLeaf) => `${l.meterId}\u0000${l.day}`;
  const old = new Map(before.map((l) => [key(l), l]));
  const changes: LeafChange[] = [];
  for (const leaf of after) {
    const prev = old.get(key(leaf));
    old.delete(key(leaf));
    if (prev === undefined)
      changes.push({ meterId: leaf.meterId, day: leaf.day, change: 'added', before: null, after: leaf });
    else if (leafJson(prev) !== leafJson(leaf))
      changes.push({ meterId: leaf.meterId, day: leaf.day, change: 'changed', before: prev, after: leaf });
  }
  for (const prev of old.values())
    changes.push({ meterId: prev.meterId, day: prev.day, change: 'removed', before: prev, after: null });
  return changes.sort((a, b) => compare(a.meterId, b.meterId) || compare(a.day, b.day));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
