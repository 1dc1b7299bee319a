import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReviewTree, deriveReviewStatus, type ReviewStep, type ReviewStore } from '../../periods/index.js';
import { T0 } from './contract-fixtures.js';

/**
 * One contract for the review's append-only steps in every engine
 * (periods/review-ports.ts ReviewStore): same steps in, same steps out, in the
 * same order. Every test gets a fresh, initialised, empty store from `makeStore`.
 */
export interface ReviewStoreUnderTest {
  readonly store: ReviewStore;
  readonly cleanup: () => Promise<void>;
}

const MINUTE = 60_000;
const digest = (n: number) => n.toString(16).padStart(64, '0');
const step = (over: Partial<ReviewStep> & Pick<ReviewStep, 'step' | 'atMs'>): ReviewStep => ({
  orgId: 'yc-gov-a',
  period: '2026-10',
  level: 'institution',
  reviewerOrgId: 'yc-gov-a',
  revision: 1,
  digest: digest(1),
  actor: 'li',
  actedAs: 'officer',
  ...over,
});

const trail: ReviewStep[] = [
  step({ step: 'submitted', atMs: T0 }),
  step({
    step: 'returned',
    atMs: T0 + MINUTE,
    level: 'county',
    reviewerOrgId: 'yc-xq',
    actor: '王芳',
    reason: '10 月水表读数缺失，"见附件" O\'Brien',
  }),
  step({ step: 'submitted', atMs: T0 + 2 * MINUTE, revision: 2, digest: digest(2) }),
  step({
    step: 'approved',
    atMs: T0 + 3 * MINUTE,
    level: 'county',
    reviewerOrgId: 'yc-xq',
    revision: 2,
    digest: digest(2),
  }),
  step({
    step: 'approved',
    atMs: T0 + 4 * MINUTE,
    level: 'city',
    reviewerOrgId: 'yc',
    revision: 2,
    digest: digest(2),
    actor: 'root-admin',
    actedAs: 'administrator',
  }),
];
const otherInstitution = step({ step: 'submitted', atMs: T0 + MINUTE, orgId: 'yc-school' });
const otherPeriod = step({ step: 'submitted', atMs: T0 + MINUTE, period: '2026-09' });

export function reviewStoreContract(name: string, makeStore: () => Promise<ReviewStoreUnderTest>): void {
  describe(`ReviewStore contract: ${name}`, () => {
    let store: ReviewStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('gives back every step as appended (reason, actedAs, revision), ascending by (atMs, orgId)', async () => {
      // Out of order and over two appends: the store orders them.
      await store.append([trail[4], trail[1], otherInstitution].filter((s) => s !== undefined));
      await store.append([trail[3], trail[0], trail[2]].filter((s) => s !== undefined));
      const steps = await store.steps({ period: '2026-10' });
      expect(steps).toEqual([trail[0], trail[1], otherInstitution, trail[2], trail[3], trail[4]]);
      const tree = createReviewTree({
        orgs: [
          { id: 'nx', level: 'region' },
          { id: 'yc', level: 'city', parent: 'nx' },
          { id: 'yc-xq', level: 'county', parent: 'yc' },
        ],
        institutions: [{ id: 'yc-gov-a', org: 'yc-xq' }],
      });
      const status = deriveReviewStatus('yc-gov-a', '2026-10', tree.chainOf('yc-gov-a'), steps);
      expect(status).toMatchObject({ status: 'approved_at_city', revision: 2, awaiting: { orgId: 'nx' } });
    });

    it('stores a step appended again (same instant, institution, period and actor) once; init is idempotent', async () => {
      await store.init();
      await store.append(trail);
      await store.append(trail);
      await store.init();
      expect(await store.steps({ period: '2026-10' })).toEqual(trail);
      // Another caller at the same instant is a second step, ordered by actor; the replay keeps the first.
      const first = trail[0] as ReviewStep;
      await store.append([{ ...first, actor: 'ann', revision: 7 }]);
      const steps = await store.steps({ period: '2026-10' });
      expect(steps.map((s) => [s.actor, s.revision])).toEqual([
        ['ann', 7],
        ['li', 1],
        ...trail.slice(1).map((s) => [s.actor, s.revision]),
      ]);
    });

    it('filters by period and by institutions', async () => {
      await store.append([...trail, otherInstitution, otherPeriod]);
      expect(await store.steps({ period: '2026-09' })).toEqual([otherPeriod]);
      expect(await store.steps({ period: '2026-10', orgIds: ['yc-school'] })).toEqual([otherInstitution]);
      expect(await store.steps({ period: '2026-10', orgIds: ['yc-gov-a', 'nowhere'] })).toEqual(trail);
      expect(await store.steps({ period: '2026-10', orgIds: [] })).toEqual([]);
      expect(await store.steps({ period: '2026-11' })).toEqual([]);
    });

    it('answers a query naming more institutions than fit in one statement', async () => {
      await store.append([...trail, otherInstitution]);
      const many = Array.from({ length: 1_200 }, (_, i) => `institution-${i}`);
      expect((await store.steps({ period: '2026-10', orgIds: [...many, 'yc-school'] })).map((s) => s.orgId)).toEqual([
        'yc-school',
      ]);
    });
  });
}
