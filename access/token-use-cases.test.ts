import { describe, expect, it } from 'vitest';
import { isAppError } from '../src/kernel/index.js';
import { createMemoryAuditLog } from './adapters/memory-audit-log.js';
import { createMemoryTokenStore } from './adapters/memory-token-store.js';
import { checkToken, tokenStates } from './core/token-state.js';
import { createToken } from './create-token.js';
import { listTokens } from './list-tokens.js';
import { revokeToken } from './revoke-token.js';

function deps() {
  let nowMs = 1_000_000;
  return {
    tokens: createMemoryTokenStore(),
    audit: createMemoryAuditLog(),
    nowMs: () => nowMs,
    advance: (ms: number) => (nowMs += ms),
    isKnownScope: (orgId: string) => ['*', 'nx', 'yc'].includes(orgId),
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'none';
}

describe('token use cases', () => {
  it('create a token whose secret is shown once and checks, list it without the secret, revoke it', async () => {
    const d = deps();
    const created = await createToken(d)({
      name: 'yc-auditor',
      role: 'auditor',
      scopeOrgId: 'yc',
      expiresInDays: 30,
      createdBy: 'admin',
    });
    expect(created.secret).toMatch(/^tnh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.token.expiresAtMs).toBe(1_000_000 + 30 * 86_400_000);
    expect(JSON.stringify(created.token)).not.toContain(created.secret.slice(21));
    const states = tokenStates(await d.tokens.events());
    expect(checkToken(states, created.secret, d.nowMs())).toMatchObject({ ok: true, token: { role: 'auditor' } });

    const listed = await listTokens(d)();
    expect(listed.map((t) => t.id)).toEqual([created.token.id]);

    d.advance(1);
    const revoked = await revokeToken(d)({ tokenId: created.token.id, by: 'admin' });
    expect(revoked.revokedAtMs).toBe(1_000_001);
    const after = tokenStates(await d.tokens.events());
    expect(checkToken(after, created.secret, d.nowMs())).toEqual({ ok: false, reason: 'revoked' });
    expect(await codeOf(revokeToken(d)({ tokenId: created.token.id, by: 'admin' }))).toBe('TOKEN_ALREADY_REVOKED');
    expect(await codeOf(revokeToken(d)({ tokenId: 'ffffffffffffffff', by: 'admin' }))).toBe('TOKEN_NOT_FOUND');

    const audit = await d.audit.entries({ limit: 10 });
    expect(audit.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['token.create', 'admin', created.token.id],
      ['token.revoke', 'admin', created.token.id],
    ]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it('refuses an unknown role or scope and a lifetime out of range, with one code', async () => {
    const d = deps();
    const base = { name: 'x', role: 'auditor' as const, scopeOrgId: 'nx', expiresInDays: 1, createdBy: 'admin' };
    expect(await codeOf(createToken(d)({ ...base, scopeOrgId: 'elsewhere' }))).toBe('BAD_TOKEN_REQUEST');
    expect(await codeOf(createToken(d)({ ...base, role: 'root' as never }))).toBe('BAD_TOKEN_REQUEST');
    expect(await codeOf(createToken(d)({ ...base, expiresInDays: 0 }))).toBe('BAD_TOKEN_REQUEST');
    expect(await codeOf(createToken(d)({ ...base, name: ' ' }))).toBe('BAD_TOKEN_REQUEST');
    expect(await d.tokens.events()).toEqual([]);
  });
});
