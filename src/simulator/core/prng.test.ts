import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashString, mulberry32, unitHash } from './prng.js';

describe('mulberry32', () => {
  it('repeats the same stream for the same seed and differs for another', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const next = mulberry32(seed);
        const xs = Array.from({ length: 2000 }, next);
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        return Math.min(...xs) >= 0 && Math.max(...xs) < 1 && mean > 0.4 && mean < 0.6;
      }),
      { numRuns: 25 },
    );
  });
});

describe('counter-based hashes', () => {
  it('are pure functions of their inputs', () => {
    expect(unitHash(1, 2, 3)).toBe(unitHash(1, 2, 3));
    expect(unitHash(1, 2, 3)).not.toBe(unitHash(1, 2, 4));
    expect(hashString('gov-a-e-main')).toBe(hashString('gov-a-e-main'));
    expect(hashString('gov-a-e-main')).not.toBe(hashString('gov-a-e-main2'));
  });
});
