import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * An API token is `tnh_<id>_<secret>`: the id finds the stored row without a
 * scan over hashes, the secret (32 random bytes, base64url) is what proves the
 * caller. Only the secret's SHA-256 is stored; a 256-bit random secret needs no
 * slow hash, since there is no dictionary to guess it from.
 */
const TOKEN_PATTERN = /^tnh_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface PresentedToken {
  readonly id: string;
  readonly secret: string;
}

/** The parts of a presented token, or undefined when it is not of our form. */
export function parseToken(text: string): PresentedToken | undefined {
  const match = TOKEN_PATTERN.exec(text);
  if (match === null) return undefined;
  return { id: match[1]!, secret: match[2]! };
}

export function formatToken(id: string, secret: string): string {
  const text = `tnh_${id}_${secret}`;
  if (parseToken(text) === undefined)
    throw new Error(`not a token: id ${id} must be 16 hex digits, secret 43 base64url`);
  return text;
}

export function secretSha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares the presented secret's hash with the stored one in constant time. */
export function secretMatches(secret: string, storedSha256: string): boolean {
  const presented = Buffer.from(secretSha256(secret), 'hex');
  const stored = Buffer.from(storedSha256, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
