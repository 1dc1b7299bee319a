import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The canonical form of a closed report (docs/periods.md): RFC 8785 JSON (JCS)
 * of the closed document, numbers as the report engine computed them (JCS
 * writes them as ECMAScript does, so an auditor's JSON.parse gives the same
 * doubles back), and the SHA-256 of its UTF-8 bytes as lower-case hex.
 *
 * What is left out of the report: `generatedAt`, the instant of the request
 * that computed it. It says when, not what: recomputing the same period from
 * the same readings a minute later must give the same bytes, or verify could
 * never match. The closing instant is recorded instead (`closedAt`).
 */

/** The report fields that vary per request, not with the data; left out of the closed form. */
export const PER_REQUEST_FIELDS = ['generatedAt'] as const;

/** The RFC 8785 form of a JSON value; a value JSON cannot hold (undefined, a function) is a bug. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('canonicalJson: the value has no JSON form');
  return text;
}

/** Lower-case hex SHA-256 of a text's UTF-8 bytes, or of raw bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The report as it is closed: every field but the per-request ones, as plain JSON data. */
export function closedReportBody(report: object): Record<string, unknown> {
  // Through JSON first: what is closed is what a client would receive (no undefined members, no Maps).
  const body = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
  for (const field of PER_REQUEST_FIELDS) delete body[field];
  return body;
}

/** True when `text` is exactly the canonical form of its own parse (a stored document not re-serialised). */
export function isCanonical(text: string): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}
