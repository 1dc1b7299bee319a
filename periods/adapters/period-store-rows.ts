import type { StoredLeaf, StoredRevision } from '../ports.js';

/** The columns both engines keep per revision and per leaf, and the mapping from rows read back. */
export const REVISION_COLUMNS = [
  'org_id',
  'period',
  'revision',
  'digest',
  'closed_at_ms',
  'canonical_json',
  'merkle_root',
  'leaf_count',
  'factor_entries',
  'signature',
  'root_signature',
  'key_id',
  'closed_by',
  'justification',
  'previous_digest',
] as const;

export function revisionsTable(prefix: string): string {
  return `${prefix}period_revisions`;
}

export function leavesTable(prefix: string): string {
  return `${prefix}period_leaves`;
}

/** A revision from a row keyed by REVISION_COLUMNS (closed_at_ms already epoch ms). */
export function revisionFromRow(row: Readonly<Record<(typeof REVISION_COLUMNS)[number], unknown>>): StoredRevision {
  return {
    orgId: String(row.org_id),
    period: String(row.period),
    revision: Number(row.revision),
    digest: String(row.digest),
    closedAtMs: Number(row.closed_at_ms),
    canonicalJson: String(row.canonical_json),
    merkleRoot: String(row.merkle_root),
    leafCount: Number(row.leaf_count),
    factorEntriesJson: String(row.factor_entries),
    signature: String(row.signature),
    rootSignature: String(row.root_signature),
    keyId: String(row.key_id),
    closedBy: String(row.closed_by),
    justification: textOrNull(row.justification),
    previousDigest: textOrNull(row.previous_digest),
  };
}

export function leafFromRow(row: { idx: unknown; meter_id: unknown; day: unknown; leaf_json: unknown }): StoredLeaf {
  return {
    index: Number(row.idx),
    meterId: String(row.meter_id),
    day: String(row.day),
    leafJson: String(row.leaf_json),
  };
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
