import { AppError } from '../src/kernel/index.js';
import { inclusionProof, rootStatement, type InclusionProof } from './core/index.js';
import type { PeriodDeps } from './period-deps.js';
import { leavesOf } from './seal-revision.js';

/**
 * One meter-day's inclusion proof in a stored revision (docs/periods.md,
 * "Inclusion proofs"): the leaf, its Merkle path, and the signed root statement,
 * so an auditor checks that the day's figures were part of the closed input
 * with the public key alone, without the rest of the fleet's leaves.
 */
export interface MeterDayProof extends InclusionProof {
  readonly orgId: string;
  readonly period: string;
  readonly revision: number;
  /** The leaf as hashed: SHA-256(0x00 ‖ leafJson). */
  readonly leafJson: string;
  readonly merkleRoot: string;
  /** The canonical JSON the root signature is over (it names the document's digest). */
  readonly rootStatement: string;
  readonly rootSignature: string;
  readonly keyId: string;
  readonly digest: string;
}

export type MeterDayProofQuery = (
  orgId: string,
  period: string,
  revision: number,
  meterId: string,
  day: string,
) => Promise<MeterDayProof>;

export function createInclusionProof(deps: Pick<PeriodDeps, 'store'>): MeterDayProofQuery {
  return async (orgId, period, n, meterId, day) => {
    const stored = await deps.store.revision(orgId, period, n);
    if (stored === undefined) throw new AppError('REVISION_NOT_FOUND', `${orgId} ${period} has no revision ${n}`);
    const storedLeaves = await deps.store.leaves(orgId, period, n);
    const index = storedLeaves.findIndex((l) => l.meterId === meterId && l.day === day);
    const found = storedLeaves[index];
    if (found === undefined)
      throw new AppError('LEAF_NOT_FOUND', `revision ${n} of ${orgId} ${period} has no leaf for ${meterId} on ${day}`);
    const proof = inclusionProof(leavesOf(storedLeaves), index);
    return {
      ...proof,
      orgId,
      period,
      revision: n,
      leafJson: found.leafJson,
      merkleRoot: stored.merkleRoot,
      rootStatement: rootStatement({ ...stored, orgId, period }),
      rootSignature: stored.rootSignature,
      keyId: stored.keyId,
      digest: stored.digest,
    };
  };
}
