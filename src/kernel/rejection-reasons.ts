/**
 * Stable reason codes for a quarantined payload or reading item. They appear in
 * the quarantine table, the API, the metrics label `reason` and the logs.
 */
export const REJECTION_REASONS = [
  'malformed_json',
  'schema_violation',
  'unknown_meter',
  'unit_mismatch',
  'non_finite_number',
  'negative_register',
  'future_timestamp',
  'oversized_payload',
  'meter_id_mismatch',
  'unknown_topic',
  'conflicting_duplicate',
  /** The store refused the row itself (QuestDB 4xx, a DuckDB constraint or conversion error); detail holds its message. */
  'store_refused',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

export function isRejectionReason(value: string): value is RejectionReason {
  return (REJECTION_REASONS as readonly string[]).includes(value);
}
