import { AppError } from '../src/kernel/index.js';
import {
  closedReportBody,
  diffLeaves,
  factorEntriesOf,
  merkleRoot,
  reportDiff,
  type ClosedDocument,
} from './core/index.js';
import type { ClosedRevision } from './close-period.js';
import type { PeriodDeps } from './period-deps.js';
import { leavesOf, sealRevision } from './seal-revision.js';

export interface RevisePeriodRequest {
  readonly orgId: string;
  readonly period: string;
  readonly by: string;
  /** Why the revision is issued (late gateway batch, corrected factor, resolved review); recorded and signed. */
  readonly justification: string;
}

export type RevisePeriod = (request: RevisePeriodRequest) => Promise<ClosedRevision>;

/**
 * Issues revision N+1 of a closed period (docs/periods.md, "Revisions"): the
 * report and leaves now, on the basis of revision N, with the diff against it
 * and its digest. Revision N is never touched. Refused when the period was
 * never closed, and when nothing changed (the report body, its input leaves
 * and the factor entries all equal revision N's).
 */
export function createRevisePeriod(deps: PeriodDeps): RevisePeriod {
  return (request) =>
    deps.lock(request.orgId, request.period, async () => {
      const latest = await deps.store.latest(request.orgId, request.period);
      if (latest === undefined)
        throw new AppError('PERIOD_NOT_CLOSED', `${request.orgId} ${request.period} was never closed: close it first`);
      const [stored, storedLeaves] = await Promise.all([
        deps.store.revision(request.orgId, request.period, latest.revision),
        deps.store.leaves(request.orgId, request.period, latest.revision),
      ]);
      if (stored === undefined) throw new Error(`revision ${latest.revision} listed but not readable`);
      const previous = JSON.parse(stored.canonicalJson) as ClosedDocument;
      const basis = previous.basis === 'equal' ? 'equal' : 'equivalent';
      const [{ report }, leaves] = await Promise.all([
        deps.carbonReport({ orgId: request.orgId, period: request.period, basis }),
        deps.leaves(request.orgId, request.period),
      ]);
      const body = closedReportBody(report);
      const diff = reportDiff({
        before: previous.report,
        after: body,
        leafChanges: diffLeaves(leavesOf(storedLeaves), leaves),
        factorsBefore: previous.input.factorEntries,
        factorsAfter: factorEntriesOf(body),
      });
      if (diff.empty && merkleRoot(leaves) === stored.merkleRoot) {
        throw new AppError(
          'NOTHING_TO_REVISE',
          `${request.orgId} ${request.period} equals revision ${stored.revision}`,
          {
            details: { revision: stored.revision, digest: stored.digest },
          },
        );
      }
      const sealed = sealRevision(
        {
          orgId: request.orgId,
          period: request.period,
          revision: stored.revision + 1,
          basis,
          report,
          leaves,
          closedAtMs: deps.nowMs(),
          closedBy: request.by,
          justification: request.justification,
          overridden: [],
          previous: { revision: stored.revision, digest: stored.digest },
          diff,
        },
        deps.key,
      );
      await deps.store.append(sealed.revision, sealed.leaves);
      return { revision: sealed.revision, document: sealed.document };
    });
}
