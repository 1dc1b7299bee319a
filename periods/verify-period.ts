import { AppError } from '../src/kernel/index.js';
import {
  canonicalJson,
  closedReportBody,
  diffLeaves,
  factorEntriesOf,
  isCanonical,
  merkleRoot,
  reportDiff,
  rootStatement,
  sha256Hex,
  verifyText,
  type ClosedDocument,
  type LeafChange,
  type ReportDiff,
} from './core/index.js';
import type { PeriodDeps } from './period-deps.js';
import { leavesOf } from './seal-revision.js';

/** What verify found about one stored revision (docs/periods.md, "Verify"). */
export interface PeriodVerification {
  readonly orgId: string;
  readonly period: string;
  readonly revision: number;
  readonly digest: string;
  readonly keyId: string;
  /** The revision was signed with a key retired since (still trusted for verifying, docs/periods.md). */
  readonly keyRetired: boolean;
  /** Every check below passed: the stored revision is intact and still what the readings give. */
  readonly holds: boolean;
  /** The stored revision itself: its bytes, its signatures, its leaves. */
  readonly stored: {
    readonly digestMatches: boolean;
    readonly canonical: boolean;
    /** False also when the revision was signed by a key the service neither signs with nor trusts as retired. */
    readonly signatureValid: boolean;
    readonly rootSignatureValid: boolean;
    /** The stored leaves hash to the document's Merkle root. */
    readonly leavesMatchRoot: boolean;
    readonly keyKnown: boolean;
  };
  /** The same period recomputed now from the stored readings, fleet and catalogue. */
  readonly recomputed: {
    readonly reportMatches: boolean;
    readonly leavesMatch: boolean;
    readonly merkleRoot: string;
    /** Which lines, totals and children differ, and why (report-diff). */
    readonly differences: ReportDiff;
    /** Which meter-days differ from the stored leaves. */
    readonly meterDays: readonly Omit<LeafChange, 'before' | 'after'>[];
  };
}

export type VerifyPeriod = (orgId: string, period: string, revision: number) => Promise<PeriodVerification>;

export function createVerifyPeriod(deps: PeriodDeps): VerifyPeriod {
  return async (orgId, period, n) => {
    const [stored, storedLeaves] = await Promise.all([
      deps.store.revision(orgId, period, n),
      deps.store.leaves(orgId, period, n),
    ]);
    if (stored === undefined) throw new AppError('REVISION_NOT_FOUND', `${orgId} ${period} has no revision ${n}`);
    const document = parseDocument(stored.canonicalJson);
    const verifyingKey = [deps.key, ...deps.retiredKeys].find((k) => k.keyId === stored.keyId);
    const keyKnown = verifyingKey !== undefined;
    const statement = rootStatement({ ...stored, orgId, period });
    const leaves = leavesOf(storedLeaves);
    const checks = {
      digestMatches: sha256Hex(stored.canonicalJson) === stored.digest,
      canonical: isCanonical(stored.canonicalJson),
      signatureValid:
        verifyingKey !== undefined && verifyText(stored.canonicalJson, stored.signature, verifyingKey.publicKey),
      rootSignatureValid:
        verifyingKey !== undefined && verifyText(statement, stored.rootSignature, verifyingKey.publicKey),
      leavesMatchRoot:
        merkleRoot(leaves) === stored.merkleRoot &&
        document?.input.merkleRoot === stored.merkleRoot &&
        leaves.length === stored.leafCount,
      keyKnown,
    };
    const basis = document?.basis === 'equal' ? 'equal' : 'equivalent';
    const [{ report }, nowLeaves] = await Promise.all([
      deps.carbonReport({ orgId, period, basis }),
      deps.leaves(orgId, period),
    ]);
    const body = closedReportBody(report);
    const leafChanges = diffLeaves(leaves, nowLeaves);
    const differences = reportDiff({
      before: document?.report ?? {},
      after: body,
      leafChanges,
      factorsBefore: document?.input.factorEntries ?? [],
      factorsAfter: factorEntriesOf(body),
    });
    const nowRoot = merkleRoot(nowLeaves);
    const recomputed = {
      reportMatches: document !== undefined && canonicalJson(document.report) === canonicalJson(body),
      leavesMatch: nowRoot === stored.merkleRoot && leafChanges.length === 0,
      merkleRoot: nowRoot,
      differences,
      meterDays: leafChanges.map(({ meterId, day, change }) => ({ meterId, day, change })),
    };
    const holds = Object.values(checks).every(Boolean) && recomputed.reportMatches && recomputed.leavesMatch;
    return {
      orgId,
      period,
      revision: n,
      digest: stored.digest,
      keyId: stored.keyId,
      keyRetired: keyKnown && stored.keyId !== deps.key.keyId,
      holds,
      stored: checks,
      recomputed,
    };
  };
}

/** The stored document, or undefined when its bytes no longer parse as one (tampered beyond JSON). */
function parseDocument(text: string): ClosedDocument | undefined {
  try {
    const parsed = JSON.parse(text) as ClosedDocument;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.input === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
