import type { StoredToken, TokenEvent } from './token-types.js';
import { parseToken, secretMatches } from './token-secret.js';

export interface TokenStatus extends StoredToken {
  readonly revokedAtMs?: number;
  readonly revokedBy?: string;
}

/** The tokens as their events leave them: created, and revoked when a revocation followed. */
export function tokenStates(events: readonly TokenEvent[]): Map<string, TokenStatus> {
  const states = new Map<string, TokenStatus>();
  for (const event of events) {
    if (event.kind === 'created') {
      if (!states.has(event.token.id)) states.set(event.token.id, event.token);
      continue;
    }
    const token = states.get(event.tokenId);
    if (token !== undefined && token.revokedAtMs === undefined) {
      states.set(event.tokenId, { ...token, revokedAtMs: event.atMs, revokedBy: event.by });
    }
  }
  return states;
}

export type TokenCheck =
  | { readonly ok: true; readonly token: TokenStatus }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

/**
 * Whether a presented bearer token is valid at `nowMs`. An unknown id and a wrong
 * secret give the same answer ("unknown"), so a caller cannot probe for ids.
 */
export function checkToken(states: ReadonlyMap<string, TokenStatus>, presented: string, nowMs: number): TokenCheck {
  const parsed = parseToken(presented);
  if (parsed === undefined) return { ok: false, reason: 'malformed' };
  const token = states.get(parsed.id);
  if (token === undefined || !secretMatches(parsed.secret, token.secretSha256)) return { ok: false, reason: 'unknown' };
  if (token.revokedAtMs !== undefined && token.revokedAtMs <= nowMs) return { ok: false, reason: 'revoked' };
  if (token.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, token };
}
