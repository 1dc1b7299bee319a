import { isRejectionReason, type QuarantineRecord, type Reading } from '../../src/kernel/index.js';

/**
 * The durable spool stores one record per line (JSON lines): short keys keep the
 * file small, and a torn last line after a crash is recognisable (no newline).
 */
export type SpoolRecord =
  | { readonly kind: 'reading'; readonly reading: Reading }
  | { readonly kind: 'quarantine'; readonly record: QuarantineRecord };

export function encodeSpoolRecord(record: SpoolRecord): string {
  if (record.kind === 'reading') {
    const r = record.reading;
    // The same bytes as JSON.stringify of {k, m, t, v, s, a} (a test holds them equal), without building the
    // object: a reading's numbers are finite (validated), and JSON writes a finite number as String() does.
    return (
      '{"k":"r","m":' +
      JSON.stringify(r.meterId) +
      ',"t":' +
      jsonNumber(r.tsMs) +
      ',"v":' +
      jsonNumber(r.value) +
      ',"s":' +
      (r.seq === null ? 'null' : jsonNumber(r.seq)) +
      ',"a":' +
      jsonNumber(r.receivedAtMs) +
      '}\n'
    );
  }
  const q = record.record;
  return (
    JSON.stringify({
      k: 'q',
      i: q.id,
      a: q.receivedAtMs,
      o: q.topic,
      m: q.meterId,
      r: q.reason,
      d: q.detail,
      p: q.payload,
    }) + '\n'
  );
}

/** A number as JSON writes it: String() for a finite one (String(-0) is '0' too), null otherwise. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** Decodes one line (without its newline). Throws on a line this code did not write: that is a bug or corruption. */
export function decodeSpoolRecord(line: string): SpoolRecord {
  const o = JSON.parse(line) as Record<string, unknown>;
  if (
    o.k === 'r' &&
    typeof o.m === 'string' &&
    typeof o.t === 'number' &&
    typeof o.v === 'number' &&
    typeof o.a === 'number'
  ) {
    return {
      kind: 'reading',
      reading: {
        meterId: o.m,
        tsMs: o.t,
        value: o.v,
        seq: typeof o.s === 'number' ? o.s : null,
        receivedAtMs: o.a,
        quality: 'ok',
      },
    };
  }
  if (
    o.k === 'q' &&
    typeof o.i === 'string' &&
    typeof o.a === 'number' &&
    typeof o.o === 'string' &&
    typeof o.r === 'string' &&
    isRejectionReason(o.r)
  ) {
    return {
      kind: 'quarantine',
      record: {
        id: o.i,
        receivedAtMs: o.a,
        topic: o.o,
        meterId: typeof o.m === 'string' ? o.m : null,
        reason: o.r,
        detail: typeof o.d === 'string' ? o.d : '',
        payload: typeof o.p === 'string' ? o.p : '',
      },
    };
  }
  throw new Error(`not a spool record: ${line.slice(0, 120)}`);
}
