import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PeriodStore, StoredLeaf, StoredRevision } from '../../periods/index.js';
import { T0 } from './contract-fixtures.js';

/**
 * One contract for the closed revisions in every engine (periods/ports.ts PeriodStore):
 * the document comes back byte for byte, revisions in order, leaves in tree order,
 * a revision number is stored once. Every test gets a fresh, initialised, empty store.
 */
export interface PeriodStoreUnderTest {
  readonly store: PeriodStore;
  readonly cleanup: () => Promise<void>;
}

// Characters a careless round trip breaks: non-ASCII, quotes, backslashes, a surrogate pair.
const DOCUMENT = '{"name":"银川市 \\"机关\\" O\'Brien \\\\ 𠀋","n":1.0000000000000002e-7,"x":[1,2.5]}';

export function revisionFixture(revision: number, overrides: Partial<StoredRevision> = {}): StoredRevision {
  return {
    orgId: 'yc-gov',
    period: '2026-10',
    revision,
    digest: `${revision}`.padStart(64, 'a'),
    closedAtMs: T0 + revision * 60_000,
    canonicalJson: `${DOCUMENT.slice(0, -1)},"revision":${revision}}`,
    merkleRoot: 'f'.repeat(64),
    leafCount: 3,
    factorEntriesJson: '[{"id":"ef-grid-ningxia-2023","unit":"kgCO2/kWh","value":0.6}]',
    signature: 'c2lnbmF0dXJl',
    rootSignature: 'cm9vdA==',
    keyId: '0123456789abcdef',
    closedBy: 'admin@yc',
    justification: revision === 1 ? null : 'late gateway batch',
    previousDigest: revision === 1 ? null : `${revision - 1}`.padStart(64, 'a'),
    ...overrides,
  };
}

export function leavesFixture(count: number): StoredLeaf[] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    meterId: `m-${Math.floor(index / 2)}`,
    day: `2026-10-0${(index % 2) + 1}`,
    leafJson: `{"day":"2026-10-0${(index % 2) + 1}","meterId":"m-${Math.floor(index / 2)}","readings":${96 + index}}`,
  }));
}

export function periodStoreContract(name: string, makeStore: () => Promise<PeriodStoreUnderTest>): void {
  describe(`period store contract: ${name}`, () => {
    let store: PeriodStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('has no revision of a period never closed', async () => {
      expect(await store.latest('yc-gov', '2026-10')).toBeUndefined();
      expect(await store.revisions('yc-gov', '2026-10')).toEqual([]);
      expect(await store.revision('yc-gov', '2026-10', 1)).toBeUndefined();
      expect(await store.leaves('yc-gov', '2026-10', 1)).toEqual([]);
    });

    it('gives a revision back byte for byte, with its leaves in tree order', async () => {
      const first = revisionFixture(1);
      const leaves = leavesFixture(5);
      await store.append(first, [...leaves].reverse());
      expect(await store.revision('yc-gov', '2026-10', 1)).toEqual(first);
      expect((await store.revision('yc-gov', '2026-10', 1))?.canonicalJson).toBe(first.canonicalJson);
      expect(await store.leaves('yc-gov', '2026-10', 1)).toEqual(leaves);
      expect(await store.latest('yc-gov', '2026-10')).toEqual({
        orgId: 'yc-gov',
        period: '2026-10',
        revision: 1,
        digest: first.digest,
        closedAtMs: first.closedAtMs,
      });
    });

    it('keeps revisions apart by org, period and number, ascending, and the latest is the newest', async () => {
      await store.append(revisionFixture(2), leavesFixture(1));
      await store.append(revisionFixture(1), leavesFixture(2));
      await store.append(revisionFixture(1, { period: '2026-09' }), leavesFixture(3));
      await store.append(revisionFixture(1, { orgId: 'nx' }), []);
      expect((await store.revisions('yc-gov', '2026-10')).map((r) => r.revision)).toEqual([1, 2]);
      expect((await store.latest('yc-gov', '2026-10'))?.revision).toBe(2);
      expect(await store.leaves('yc-gov', '2026-10', 1)).toEqual(leavesFixture(2));
      expect(await store.leaves('yc-gov', '2026-10', 2)).toEqual(leavesFixture(1));
      expect(await store.leaves('yc-gov', '2026-09', 1)).toEqual(leavesFixture(3));
      expect(await store.leaves('nx', '2026-10', 1)).toEqual([]);
      expect((await store.revision('nx', '2026-10', 1))?.justification).toBeNull();
      expect((await store.revision('yc-gov', '2026-10', 2))?.previousDigest).toBe(revisionFixture(1).digest);
    });

    it('refuses a revision number stored already and leaves the first as it was', async () => {
      const first = revisionFixture(1);
      await store.append(first, leavesFixture(2));
      const again = revisionFixture(1, { closedAtMs: first.closedAtMs + 1, digest: 'b'.repeat(64) });
      await expect(store.append(again, leavesFixture(4))).rejects.toMatchObject({ code: 'PERIOD_REVISION_EXISTS' });
      expect(await store.revisions('yc-gov', '2026-10')).toEqual([first]);
      expect(await store.leaves('yc-gov', '2026-10', 1)).toEqual(leavesFixture(2));
    });
  });
}
