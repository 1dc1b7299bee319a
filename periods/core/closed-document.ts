import { canonicalJson, sha256Hex } from './canonical-report.js';
import type { FactorEntry, ReportDiff } from './report-diff.js';

/**
 * The closed document: what is stored, hashed and signed for one revision of
 * a period (docs/periods.md). It holds the report (without generatedAt),
 * who closed it and why, the Merkle root over its input and the factor entries
 * it used, and for a revision after the first the previous digest and the diff:
 * one signature then covers the figures, their input and the chain.
 */
export const DOCUMENT_FORMAT = 'tanhe.closed-report/1';
export const LEAF_FORMAT = 'tanhe.meter-day/1';
export const ROOT_STATEMENT_FORMAT = 'tanhe.merkle-root/1';

/** A reason closing was refused; overridable ones can be overridden with a justification. */
export interface CloseRefusal {
  readonly code: 'period_not_over' | 'completeness_below_threshold' | 'readings_await_review' | 'no_readings';
  readonly message: string;
  readonly overridable: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ClosedDocument {
  readonly format: typeof DOCUMENT_FORMAT;
  readonly orgId: string;
  readonly period: string;
  readonly revision: number;
  readonly basis: string;
  /** ISO-8601 UTC. */
  readonly closedAt: string;
  readonly closedBy: string;
  readonly justification: string | null;
  /** The refusals an override set aside, or an empty list. */
  readonly overridden: readonly CloseRefusal[];
  readonly previous: { readonly revision: number; readonly digest: string } | null;
  readonly diff: ReportDiff | null;
  readonly input: {
    readonly leafFormat: typeof LEAF_FORMAT;
    readonly merkleRoot: string;
    readonly leafCount: number;
    readonly factorEntries: readonly FactorEntry[];
  };
  readonly report: Record<string, unknown>;
}

export interface SealedDocument {
  readonly document: ClosedDocument;
  readonly canonicalJson: string;
  readonly digest: string;
}

export function sealDocument(document: ClosedDocument): SealedDocument {
  const text = canonicalJson(document);
  return { document, canonicalJson: text, digest: sha256Hex(text) };
}

/**
 * The short statement signed beside the document, so that an inclusion proof can
 * be checked against a signed root without the whole report: the root, the leaf
 * count, and the digest that ties it to the one document.
 */
export function rootStatement(ref: {
  readonly orgId: string;
  readonly period: string;
  readonly revision: number;
  readonly merkleRoot: string;
  readonly leafCount: number;
  readonly digest: string;
}): string {
  return canonicalJson({
    format: ROOT_STATEMENT_FORMAT,
    orgId: ref.orgId,
    period: ref.period,
    revision: ref.revision,
    merkleRoot: ref.merkleRoot,
    leafCount: ref.leafCount,
    digest: ref.digest,
  });
}
