import type { ElectricityBasis } from '../accounting/index.js';
import { canonicalJson, closedReportBody, merkleRoot, type ClosedDocument } from './core/index.js';
import type { PeriodDeps } from './period-deps.js';

/** What the open report says about the period's last revision (GET /api/v1/reports/carbon, field `closed`). */
export interface ClosedStatus {
  readonly revision: number;
  readonly digest: string;
  readonly closedAt: string;
  /** The readings the period is computed from differ from the revision's input leaves (late or changed data). */
  readonly dataMovedSinceClose: boolean;
  /**
   * The report computed now differs from the revision's (data, a factor, the fleet); null when the
   * open report was asked on another electricity basis than the revision's.
   */
  readonly figuresChangedSinceClose: boolean | null;
}

export type ClosedStatusQuery = (
  query: { readonly orgId: string; readonly period: string; readonly basis: ElectricityBasis },
  report: object,
) => Promise<ClosedStatus | undefined>;

/** Undefined when the period was never closed for the org (one store read); else one leaf query more. */
export function createClosedStatus(deps: Pick<PeriodDeps, 'store' | 'leaves'>): ClosedStatusQuery {
  return async (query, report) => {
    const latest = await deps.store.latest(query.orgId, query.period);
    if (latest === undefined) return undefined;
    const [stored, leaves] = await Promise.all([
      deps.store.revision(query.orgId, query.period, latest.revision),
      deps.leaves(query.orgId, query.period),
    ]);
    if (stored === undefined) return undefined;
    const document = JSON.parse(stored.canonicalJson) as ClosedDocument;
    return {
      revision: stored.revision,
      digest: stored.digest,
      closedAt: new Date(stored.closedAtMs).toISOString(),
      dataMovedSinceClose: merkleRoot(leaves) !== stored.merkleRoot,
      figuresChangedSinceClose:
        document.basis === query.basis
          ? canonicalJson(document.report) !== canonicalJson(closedReportBody(report))
          : null,
    };
  };
}
