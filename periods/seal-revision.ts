import {
  closedReportBody,
  factorEntriesOf,
  canonicalJson,
  leafJson,
  merkleRoot,
  rootStatement,
  sealDocument,
  signText,
  DOCUMENT_FORMAT,
  LEAF_FORMAT,
  type CloseRefusal,
  type ClosedDocument,
  type MeterDayLeaf,
  type ReportDiff,
} from './core/index.js';
import type { PeriodSigningKey, StoredLeaf, StoredRevision } from './ports.js';

/** One revision's parts, before it is sealed: the report, its input leaves, who and why, and the chain. */
export interface RevisionParts {
  readonly orgId: string;
  readonly period: string;
  readonly revision: number;
  readonly basis: string;
  readonly report: object;
  readonly leaves: readonly MeterDayLeaf[];
  readonly closedAtMs: number;
  readonly closedBy: string;
  readonly justification: string | null;
  readonly overridden: readonly CloseRefusal[];
  readonly previous: { readonly revision: number; readonly digest: string } | null;
  readonly diff: ReportDiff | null;
}

/** The closed document of a revision: the report body and its input's root and factor entries. */
export function documentOf(parts: RevisionParts): ClosedDocument {
  const report = closedReportBody(parts.report);
  return {
    format: DOCUMENT_FORMAT,
    orgId: parts.orgId,
    period: parts.period,
    revision: parts.revision,
    basis: parts.basis,
    closedAt: new Date(parts.closedAtMs).toISOString(),
    closedBy: parts.closedBy,
    justification: parts.justification,
    overridden: parts.overridden,
    previous: parts.previous,
    diff: parts.diff,
    input: {
      leafFormat: LEAF_FORMAT,
      merkleRoot: merkleRoot(parts.leaves),
      leafCount: parts.leaves.length,
      factorEntries: factorEntriesOf(report),
    },
    report,
  };
}

/** The document sealed (canonical JSON, digest), signed, with its leaves as stored. */
export function sealRevision(
  parts: RevisionParts,
  key: PeriodSigningKey,
): { revision: StoredRevision; leaves: StoredLeaf[]; document: ClosedDocument } {
  const sealed = sealDocument(documentOf(parts));
  const { document } = sealed;
  const ref = { ...document.input, orgId: parts.orgId, period: parts.period, revision: parts.revision };
  const statement = rootStatement({ ...ref, digest: sealed.digest });
  return {
    document,
    revision: {
      orgId: parts.orgId,
      period: parts.period,
      revision: parts.revision,
      digest: sealed.digest,
      closedAtMs: parts.closedAtMs,
      canonicalJson: sealed.canonicalJson,
      merkleRoot: document.input.merkleRoot,
      leafCount: document.input.leafCount,
      factorEntriesJson: canonicalJson(document.input.factorEntries),
      signature: signText(sealed.canonicalJson, key.privateKey),
      rootSignature: signText(statement, key.privateKey),
      keyId: key.keyId,
      closedBy: parts.closedBy,
      justification: parts.justification,
      previousDigest: parts.previous?.digest ?? null,
    },
    leaves: parts.leaves.map((leaf, index) => ({
      index,
      meterId: leaf.meterId,
      day: leaf.day,
      leafJson: leafJson(leaf),
    })),
  };
}

/** What a printed report's signature block shows of a revision (accounting's print takes these five values). */
export function signatureBlockOf(r: StoredRevision): {
  revision: number;
  digest: string;
  keyId: string;
  signature: string;
  closedAt: string;
} {
  return {
    revision: r.revision,
    digest: r.digest,
    keyId: r.keyId,
    signature: r.signature,
    closedAt: new Date(r.closedAtMs).toISOString(),
  };
}

/** The stored leaves as leaves again (their JSON is the canonical form of the fields). */
export function leavesOf(stored: readonly StoredLeaf[]): MeterDayLeaf[] {
  return stored.map((l) => JSON.parse(l.leafJson) as MeterDayLeaf);
}
