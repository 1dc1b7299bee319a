/**
 * Seeded randomness for the simulator. Two flavours:
 * - `mulberry32`: a sequential stream (fault decisions, drawn in a fixed order);
 * - `unitHash*`: counter-based noise, a pure function of its integer inputs, so a
 *   meter's load in a given 15-minute slot is the same whatever range is generated.
 */

/** Mulberry32 (Tommy Ettinger): a 32-bit state PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MurmurHash3's 32-bit finaliser: a cheap, well-mixing integer hash. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string's UTF-16 code units, then mixed: a stable key for ids. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Combines up to three integers (taken modulo 2^32) into one 32-bit hash. */
export function hash3(a: number, b: number, c = 0): number {
  let h = mix32((a >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ (b >>> 0) ^ Math.imul(h, 31));
  return mix32(h ^ (c >>> 0) ^ Math.imul(h, 17));
}

/** A float in [0, 1) determined by three integers. */
export function unitHash(a: number, b: number, c = 0): number {
  return hash3(a, b, c) / 4294967296;
}

/** A float in [-1, 1) determined by three integers. */
export function signedHash(a: number, b: number, c = 0): number {
  return unitHash(a, b, c) * 2 - 1;
}
