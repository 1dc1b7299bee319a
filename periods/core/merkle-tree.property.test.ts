import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  diffLeaves,
  inclusionProof,
  leafHash,
  leafJson,
  merkleRoot,
  sortLeaves,
  verifyInclusion,
  type MeterDayLeaf,
} from './merkle-tree.js';

const leafArb: fc.Arbitrary<MeterDayLeaf> = fc.record({
  meterId: fc.constantFrom('e1', 'e2', 'gov-a-e-main', '水表-1'),
  day: fc.integer({ min: 1, max: 28 }).map((d) => `2026-10-${String(d).padStart(2, '0')}`),
  firstTsMs: fc.integer({ min: 0, max: 2 ** 41 }),
  firstValue: fc.double({ min: 0, max: 1e9, noNaN: true }),
  lastTsMs: fc.integer({ min: 0, max: 2 ** 41 }),
  lastValue: fc.double({ min: 0, max: 1e9, noNaN: true }),
  readings: fc.integer({ min: 1, max: 1440 }),
  decreases: fc.integer({ min: 0, max: 3 }),
  maxRatePerHour: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }),
});

/** Unique (meter, day) leaves in tree order, 1 to 40 of them. */
const leavesArb = fc
  .uniqueArray(leafArb, { minLength: 1, maxLength: 40, selector: (l) => `${l.meterId}|${l.day}` })
  .map(sortLeaves);

describe('Merkle tree over meter-day leaves', () => {
  it("every leaf's proof leads to the root", () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const root = merkleRoot(leaves);
        leaves.forEach((_, index) => expect(verifyInclusion(inclusionProof(leaves, index), root)).toBe(true));
      }),
    );
  });

  it('a changed leaf or a changed sibling hash does not', () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), fc.nat(), (leaves, i, j) => {
        const root = merkleRoot(leaves);
        const proof = inclusionProof(leaves, i % leaves.length);
        const changedLeaf = { ...proof.leaf, readings: proof.leaf.readings + 1 };
        expect(verifyInclusion({ ...proof, leaf: changedLeaf }, root)).toBe(false);
        if (proof.path.length > 0) {
          const k = j % proof.path.length;
          const step = proof.path[k];
          if (step === undefined) return;
          const flipped = (step.hash[0] === '0' ? '1' : '0') + step.hash.slice(1);
          const path = proof.path.map((s, index) => (index === k ? { ...s, hash: flipped } : s));
          expect(verifyInclusion({ ...proof, path }, root)).toBe(false);
        }
      }),
    );
  });

  it('is RFC 6962 on small trees: leaf and node prefixes, the split at the largest power of two', () => {
    const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
    const leaves = sortLeaves(
      ['a', 'b', 'c'].map((meterId) => ({
        meterId,
        day: '2026-10-01',
        firstTsMs: 0,
        firstValue: 1,
        lastTsMs: 1,
        lastValue: 2,
        readings: 2,
        decreases: 0,
        maxRatePerHour: null,
      })),
    );
    const [a, b, c] = leaves.map((l) => sha(Buffer.from([0]), Buffer.from(leafJson(l))));
    expect(leafHash(leaves[0] as MeterDayLeaf).equals(a as Buffer)).toBe(true);
    const expected = sha(Buffer.from([1]), sha(Buffer.from([1]), a as Buffer, b as Buffer), c as Buffer);
    expect(merkleRoot(leaves)).toBe(expected.toString('hex'));
    expect(merkleRoot([])).toBe(createHash('sha256').digest('hex'));
    expect(leafJson(leaves[0] as MeterDayLeaf)).toBe(
      '{"day":"2026-10-01","decreases":0,"firstTsMs":0,"firstValue":1,"lastTsMs":1,"lastValue":2,' +
        '"maxRatePerHour":null,"meterId":"a","readings":2}',
    );
  });

  it('names the meter-days added, removed and changed between two leaf lists', () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const [first, ...rest] = leaves;
        if (first === undefined) return;
        const changed = rest.map((l, i) => (i === 0 ? { ...l, lastValue: l.lastValue + 1 } : l));
        const changes = diffLeaves(leaves, changed);
        expect(changes.find((c) => c.meterId === first.meterId && c.day === first.day)?.change).toBe('removed');
        if (rest[0] !== undefined) expect(changes.filter((c) => c.change === 'changed')).toHaveLength(1);
        expect(diffLeaves(leaves, leaves)).toEqual([]);
      }),
    );
  });
});
