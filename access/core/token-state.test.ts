import { describe, expect, it } from 'vitest';
import type { StoredToken, TokenEvent } from './token-types.js';
import { formatToken, secretSha256 } from './token-secret.js';
import { checkToken, tokenStates } from './token-state.js';

const secret = 'A'.repeat(43);
const token: StoredToken = {
  id: '0123456789abcdef',
  name: 'county-auditor',
  role: 'auditor',
  scopeOrgId: 'wz-lucheng',
  secretSha256: secretSha256(secret),
  createdAtMs: 1_000,
  expiresAtMs: 10_000,
  createdBy: 'admin',
};
const presented = formatToken(token.id, secret);

describe('checkToken', () => {
  it('accepts the secret until it expires', () => {
    const states = tokenStates([{ kind: 'created', token }]);
    expect(checkToken(states, presented, 5_000)).toMatchObject({ ok: true, token: { name: 'county-auditor' } });
    expect(checkToken(states, presented, 10_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a wrong secret like an unknown id, and a malformed token as such', () => {
    const states = tokenStates([{ kind: 'created', token }]);
    expect(checkToken(states, formatToken(token.id, 'B'.repeat(43)), 5_000)).toEqual({ ok: false, reason: 'unknown' });
    expect(checkToken(states, formatToken('fedcba9876543210', secret), 5_000)).toEqual({
      ok: false,
      reason: 'unknown',
    });
    expect(checkToken(states, 'Bearer nonsense', 5_000)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a revoked token from the revocation on; a second creation event changes nothing', () => {
    const events: TokenEvent[] = [
      { kind: 'created', token },
      { kind: 'revoked', tokenId: token.id, atMs: 4_000, by: 'admin' },
      { kind: 'created', token: { ...token, expiresAtMs: 99_000 } },
    ];
    const states = tokenStates(events);
    expect(checkToken(states, presented, 3_999)).toMatchObject({ ok: true });
    expect(checkToken(states, presented, 4_000)).toEqual({ ok: false, reason: 'revoked' });
    expect(states.get(token.id)).toMatchObject({ revokedBy: 'admin', expiresAtMs: 10_000 });
  });
});
