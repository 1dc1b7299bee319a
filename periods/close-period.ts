import type { ElectricityBasis } from '../accounting/index.js';
import { AppError } from '../src/kernel/index.js';
import { closeRefusals, type ClosedDocument } from './core/index.js';
import type { PeriodDeps } from './period-deps.js';
import type { StoredRevision } from './ports.js';
import { sealRevision } from './seal-revision.js';

export interface ClosePeriodRequest {
  readonly orgId: string;
  /** 'YYYY-MM' or 'YYYY'. */
  readonly period: string;
  /** Who closes (the principal's subject). */
  readonly by: string;
  readonly basis?: ElectricityBasis;
  /** Sets aside the overridable refusals (low completeness, reviews pending, no readings); recorded. */
  readonly override?: { readonly justification: string };
}

export interface ClosedRevision {
  readonly revision: StoredRevision;
  readonly document: ClosedDocument;
}

export type ClosePeriod = (request: ClosePeriodRequest) => Promise<ClosedRevision>;

/**
 * Closes a period of an org subtree as revision 1 (docs/periods.md, "Closing"):
 * the report and its input leaves now, refused with every reason while the
 * period is not over, completeness is below the threshold or readings await
 * review (the last two can be overridden with a justification); a period
 * closed already is refused (revise-period issues the next revision).
 */
export function createClosePeriod(deps: PeriodDeps): ClosePeriod {
  return (request) =>
    deps.lock(request.orgId, request.period, async () => {
      const latest = await deps.store.latest(request.orgId, request.period);
      if (latest !== undefined) {
        throw new AppError('PERIOD_ALREADY_CLOSED', `${request.orgId} ${request.period} is closed already`, {
          details: { revision: latest.revision, digest: latest.digest },
        });
      }
      const basis = request.basis ?? 'equivalent';
      const nowMs = deps.nowMs();
      const [{ report }, leaves] = await Promise.all([
        deps.carbonReport({ orgId: request.orgId, period: request.period, basis }),
        deps.leaves(request.orgId, request.period),
      ]);
      const refusals = closeRefusals({
        report,
        leafCount: leaves.length,
        nowMs,
        completenessThreshold: deps.settings.completenessThreshold,
      });
      const blocking = refusals.filter((r) => !r.overridable || request.override === undefined);
      if (blocking.length > 0) {
        throw new AppError('PERIOD_NOT_CLOSABLE', blocking.map((r) => r.message).join('; '), {
          details: { reasons: refusals },
        });
      }
      const sealed = sealRevision(
        {
          orgId: request.orgId,
          period: request.period,
          revision: 1,
          basis,
          report,
          leaves,
          closedAtMs: nowMs,
          closedBy: request.by,
          justification: request.override?.justification ?? null,
          overridden: request.override === undefined ? [] : refusals,
          previous: null,
          diff: null,
        },
        deps.key,
      );
      await deps.store.append(sealed.revision, sealed.leaves);
      return { revision: sealed.revision, document: sealed.document };
    });
}
