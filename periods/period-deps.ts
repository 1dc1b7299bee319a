import type { CarbonReportQuery, CarbonReportRun } from '../accounting/index.js';
import type { MeterDayLeaves } from './meter-day-leaves.js';
import type { PeriodSigningKey, PeriodStore, PeriodVerifyingKey } from './ports.js';

/** What the periods use cases need: the store, accounting's report and the input leaves, the key, a clock. */
export interface PeriodDeps {
  readonly store: PeriodStore;
  readonly carbonReport: (query: CarbonReportQuery) => Promise<CarbonReportRun>;
  readonly leaves: MeterDayLeaves;
  readonly key: PeriodSigningKey;
  /**
   * Keys that signed revisions before a rotation (periods.retiredPublicKeyPaths): verify still checks
   * those revisions' signatures with them; nothing new is signed with them.
   */
  readonly retiredKeys: readonly PeriodVerifyingKey[];
  readonly nowMs: () => number;
  readonly settings: PeriodUseCaseSettings;
  /** Serialises closes and revisions of one (org, period) in this process. */
  readonly lock: PeriodLock;
}

export interface PeriodUseCaseSettings {
  /** 0..1: the least completeness a period closes at without an override. */
  readonly completenessThreshold: number;
}

export type PeriodLock = <T>(orgId: string, period: string, work: () => Promise<T>) => Promise<T>;

/**
 * One queue per (org, period): a close and a revision of the same period never run
 * at once (they would both read revision N and both write N+1).
 */
export function createPeriodLock(): PeriodLock {
  const tails = new Map<string, Promise<unknown>>();
  return (orgId, period, work) => {
    const key = JSON.stringify([orgId, period]);
    const run = (tails.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
