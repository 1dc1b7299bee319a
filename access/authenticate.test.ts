import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../src/kernel/index.js';
import { jwtSettingsSchema } from './access-settings.js';
import { createMemoryAuditLog } from './adapters/memory-audit-log.js';
import { createMemoryTokenStore } from './adapters/memory-token-store.js';
import { createAuthenticate } from './authenticate.js';
import { createToken } from './create-token.js';
import { revokeToken } from './revoke-token.js';

const NOW = Date.parse('2026-10-02T00:00:00Z');
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  other = await generateKeyPair('ES256');
});

async function setup(options: { cacheTtlMs?: number } = {}) {
  let nowMs = NOW;
  const jwt = jwtSettingsSchema.parse({
    issuer: 'https://idp.example.org',
    audience: 'tanhe',
    algorithms: ['RS256'],
    jwks: { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'k1' }, await exportJWK(other.publicKey)] },
  });
  const deps = {
    tokens: createMemoryTokenStore(),
    audit: createMemoryAuditLog(),
    nowMs: () => nowMs,
    // The cache's age on the same test clock, so that advancing it ages the copy too.
    elapsedMs: () => nowMs,
    isKnownScope: (id: string) => ['*', 'nx', 'k1'].includes(id),
  };
  const authenticate = createAuthenticate({ ...deps, cacheTtlMs: options.cacheTtlMs ?? 5000, jwt });
  return { deps, authenticate, advance: (ms: number) => (nowMs += ms) };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error) && error.code === 'UNAUTHENTICATED') return (error.details as { reason: string }).reason;
    throw error;
  }
  return 'accepted';
}

function signed(claims: Record<string, unknown>, options: { alg?: string; iss?: string; expSeconds?: number } = {}) {
  const iat = Math.floor(NOW / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: 'k1' })
    .setIssuer(options.iss ?? 'https://idp.example.org')
    .setAudience('tanhe')
    .setSubject('li.wei')
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expSeconds ?? 600));
}

describe('authenticate: API tokens', () => {
  it('accepts a created token, sees a revocation within the cache bound, and audits first use per hour', async () => {
    const { deps, authenticate, advance } = await setup({ cacheTtlMs: 5000 });
    const created = await createToken(deps)({
      name: 'k1-officer',
      role: 'energy_officer',
      scopeOrgId: 'k1',
      expiresInDays: 1,
      createdBy: 'admin',
    });
    // Created after nothing was cached: the miss rereads the store.
    expect(await authenticate(`Bearer ${created.secret}`)).toMatchObject({
      subject: 'k1-officer',
      role: 'energy_officer',
      scopeOrgId: 'k1',
      via: 'token',
      tokenId: created.token.id,
    });
    await authenticate(`Bearer ${created.secret}`);
    await revokeToken(deps)({ tokenId: created.token.id, by: 'admin' });
    // Within the cache bound the old copy may still accept it; after the bound it never does.
    advance(5000);
    expect(await reasonOf(authenticate(`Bearer ${created.secret}`))).toBe('revoked');
    const uses = await deps.audit.entries({ action: 'token.use', limit: 10 });
    expect(uses.map((e) => e.actor)).toEqual(['k1-officer']);
  });

  it('refuses a missing, malformed, unknown or expired token with its reason', async () => {
    const { deps, authenticate, advance } = await setup();
    const created = await createToken(deps)({
      name: 'n',
      role: 'auditor',
      scopeOrgId: 'nx',
      expiresInDays: 1,
      createdBy: 'admin',
    });
    expect(await reasonOf(authenticate(undefined))).toBe('missing');
    expect(await reasonOf(authenticate('Basic YTpi'))).toBe('malformed');
    expect(await reasonOf(authenticate('Bearer tnh_nothex_x'))).toBe('malformed');
    expect(await reasonOf(authenticate(`Bearer ${created.secret.slice(0, -1)}B`))).toBe('unknown');
    advance(86_400_000);
    expect(await reasonOf(authenticate(`Bearer ${created.secret}`))).toBe('expired');
  });
});

describe('authenticate: OIDC JWTs', () => {
  it('accepts a JWT signed with a pinned algorithm by a configured key, with role and scope from claims', async () => {
    const { authenticate } = await setup();
    const jwt = await signed({ tanhe_role: 'auditor', tanhe_scope: 'k1' }).sign(rsa.privateKey);
    expect(await authenticate(`Bearer ${jwt}`)).toEqual({
      subject: 'li.wei',
      role: 'auditor',
      scopeOrgId: 'k1',
      via: 'jwt',
    });
  });

  it('refuses a wrong algorithm, issuer or key, an expired token, a missing or bad role or scope', async () => {
    const { authenticate } = await setup();
    const claims = { tanhe_role: 'auditor', tanhe_scope: 'k1' };
    const foreign = await generateKeyPair('RS256');
    const cases = {
      // Signed by a configured key, but with an algorithm the config does not pin.
      wrongAlg: await signed(claims, { alg: 'ES256' }).sign(other.privateKey),
      wrongIssuer: await signed(claims, { iss: 'https://evil.example.org' }).sign(rsa.privateKey),
      expired: await signed(claims, { expSeconds: -120 }).sign(rsa.privateKey),
      foreignKey: await signed(claims).sign(foreign.privateKey),
      noRole: await signed({ tanhe_scope: 'k1' }).sign(rsa.privateKey),
      badRole: await signed({ tanhe_role: 'root', tanhe_scope: 'k1' }).sign(rsa.privateKey),
      unknownScope: await signed({ tanhe_role: 'auditor', tanhe_scope: 'elsewhere' }).sign(rsa.privateKey),
    };
    const reasons = Object.fromEntries(
      await Promise.all(
        Object.entries(cases).map(async ([k, jwt]) => [k, await reasonOf(authenticate(`Bearer ${jwt}`))]),
      ),
    );
    expect(reasons).toEqual({
      wrongAlg: 'jwt',
      wrongIssuer: 'jwt',
      expired: 'jwt',
      foreignKey: 'jwt',
      noRole: 'jwt_role',
      badRole: 'jwt_role',
      unknownScope: 'jwt_scope',
    });
  });
});

describe('authenticate: one store read for concurrent requests', () => {
  async function counted() {
    const { deps, advance } = await setup();
    const created = await createToken(deps)({
      name: 'nx-officer',
      role: 'energy_officer',
      scopeOrgId: 'nx',
      expiresInDays: 1,
      createdBy: 'admin',
    });
    let reads = 0;
    const tokens = {
      ...deps.tokens,
      events: async () => {
        reads++;
        // The events as they were when asked, answered a while later, as a store's: the requests below overlap it.
        const events = await deps.tokens.events();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return events;
      },
    };
    const authenticate = createAuthenticate({ ...deps, tokens, cacheTtlMs: 5000 });
    return { deps, authenticate, advance, created, reads: () => reads };
  }

  it('shares one reload between requests that find the copy stale together', async () => {
    const { authenticate, advance, created, reads } = await counted();
    const header = `Bearer ${created.secret}`;
    const first = await Promise.all([authenticate(header), authenticate(header), authenticate(header)]);
    expect(first.map((p) => p.subject)).toEqual(['nx-officer', 'nx-officer', 'nx-officer']);
    expect(reads()).toBe(1);
    advance(5000);
    await Promise.all([authenticate(header), authenticate(header), authenticate(header), authenticate(header)]);
    expect(reads()).toBe(2);
  });

  it('reads ahead past half the cache bound without making the request wait, and sees what that read found', async () => {
    const { deps, authenticate, advance, created, reads } = await counted();
    const header = `Bearer ${created.secret}`;
    await authenticate(header);
    advance(2000);
    await authenticate(header);
    expect(reads()).toBe(1);
    await revokeToken(deps)({ tokenId: created.token.id, by: 'admin' });
    advance(1000);
    // Past half of the 5 s bound: answered from the copy (it still holds the token as valid), one read started.
    expect(await reasonOf(authenticate(header))).toBe('accepted');
    expect(reads()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The read ahead has landed: the revocation is seen before the bound, with no further read.
    expect(await reasonOf(authenticate(header))).toBe('revoked');
    expect(reads()).toBe(2);
  });

  it('reads again after a forget() that came while a read was on its way', async () => {
    const { deps, authenticate, created, reads } = await counted();
    const pending = authenticate(`Bearer ${created.secret}`);
    // Revoked here while the first read runs: that read may not hold the revocation.
    await revokeToken(deps)({ tokenId: created.token.id, by: 'admin' });
    authenticate.forget();
    expect(await reasonOf(authenticate(`Bearer ${created.secret}`))).toBe('revoked');
    // The request that came before the revocation was answered from the read it started.
    expect(await reasonOf(pending)).toBe('accepted');
    expect(reads()).toBe(2);
  });
});
