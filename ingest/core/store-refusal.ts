import type { QuarantineRecord, Reading } from '../../src/kernel/index.js';

/** The longest store message kept in a quarantine record's detail (a store may echo a whole request). */
const MAX_DETAIL_CHARS = 2000;
/** The longest part of a refused quarantine record's payload kept when it is re-quarantined. */
const MAX_ESCAPED_PAYLOAD_CHARS = 4096;

/**
 * A reading the store refused (a deterministic, per-row refusal: writing it again
 * cannot succeed), as a quarantine record. The id is derived from the reading, so
 * a replay of the same spool segment writes the same record again (the quarantine
 * table is keyed by (receivedAtMs, id)) instead of a second one.
 */
export function refusedReadingRecord(reading: Reading, storeMessage: string): QuarantineRecord {
  return {
    id: `refused-${reading.meterId}-${reading.tsMs}-${reading.value}`,
    receivedAtMs: reading.receivedAtMs,
    topic: '',
    meterId: reading.meterId,
    reason: 'store_refused',
    detail: `the store refused the reading: ${clip(storeMessage, MAX_DETAIL_CHARS)}`,
    payload: JSON.stringify({ ts: reading.tsMs, value: reading.value, seq: reading.seq }),
  };
}

/**
 * A quarantine record the store refused itself (e.g. a payload it cannot hold), as
 * a record the store can take: same key, reason `store_refused`, the original reason
 * in the detail, and the payload cut and escaped to printable ASCII.
 */
export function refusedQuarantineRecord(record: QuarantineRecord, storeMessage: string): QuarantineRecord {
  return {
    id: record.id,
    receivedAtMs: record.receivedAtMs,
    topic: printable(record.topic.slice(0, 256)),
    meterId: record.meterId === null ? null : printable(record.meterId.slice(0, 256)),
    reason: 'store_refused',
    detail: printable(
      `quarantined as ${record.reason} (${clip(record.detail, 500)}); the store refused the record: ` +
        clip(storeMessage, MAX_DETAIL_CHARS),
    ),
    payload: printable(record.payload.slice(0, MAX_ESCAPED_PAYLOAD_CHARS)),
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** Every character outside printable ASCII as a \uXXXX escape: whatever the store refused in it cannot remain. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
