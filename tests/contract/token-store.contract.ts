import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkToken,
  formatToken,
  secretSha256,
  tokenStates,
  type StoredToken,
  type TokenEvent,
  type TokenStore,
} from '../../access/index.js';
import { T0 } from './contract-fixtures.js';

/**
 * One contract for access's token events in every engine (access/ports.ts
 * TokenStore): same events in, same events out, in the same order, and the same
 * after a restart. Every test gets a fresh, initialised, empty store from `makeStore`.
 */
export interface TokenStoreUnderTest {
  readonly store: TokenStore;
  /** A new adapter and engine client over the same stored data, as after a restart (the previous one is closed). */
  readonly reopen: () => Promise<TokenStore>;
  readonly cleanup: () => Promise<void>;
}

const DAY = 86_400_000;

interface Issued {
  readonly token: StoredToken;
  /** The bearer token as a caller presents it: shown once, never stored. */
  readonly presented: string;
  readonly secret: string;
}

function issue(id: string, fields: Partial<StoredToken> = {}): Issued {
  const secret = randomBytes(32).toString('base64url');
  const token: StoredToken = {
    id,
    name: 'county-auditor',
    role: 'auditor',
    scopeOrgId: 'nx-yc',
    secretSha256: secretSha256(secret),
    createdAtMs: T0,
    expiresAtMs: T0 + 90 * DAY,
    createdBy: 'cli:root',
    ...fields,
  };
  return { token, presented: formatToken(id, secret), secret };
}

const auditor = issue('00000000000000a1');
const officer = issue('00000000000000b2', {
  name: '县能源管理员 O\'Brien "quoted"',
  role: 'energy_officer',
  scopeOrgId: 'yc-gov-a',
  createdAtMs: T0 + 1_000,
  expiresAtMs: T0 + 1_000 + DAY,
  createdBy: 'cli:李明',
});
const admin = issue('00000000000000c3', { name: 'admin', role: 'administrator', scopeOrgId: 'nx', createdAtMs: T0 });
const created = (i: Issued): TokenEvent => ({ kind: 'created', token: i.token });
const revokeOfficer = {
  kind: 'revoked',
  tokenId: officer.token.id,
  atMs: T0 + 5_000,
  by: 'admin',
} as const satisfies TokenEvent;

export function tokenStoreContract(name: string, makeStore: () => Promise<TokenStoreUnderTest>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let subject: TokenStoreUnderTest;
    let store: TokenStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('gives back every created token with all its fields, and only the hash of its secret', async () => {
      await store.append(created(officer));
      await store.append(created(auditor));
      const events = await store.events();
      expect(events).toEqual([created(auditor), created(officer)]);
      for (const issued of [auditor, officer]) {
        expect(issued.token.secretSha256).toMatch(/^[0-9a-f]{64}$/);
        expect(issued.token.secretSha256).not.toBe(issued.secret);
        expect(JSON.stringify(events)).not.toContain(issued.secret);
      }
      const states = tokenStates(events);
      expect(checkToken(states, officer.presented, T0 + 2_000)).toMatchObject({ ok: true, token: officer.token });
      expect(checkToken(states, auditor.presented, T0 + 2_000)).toMatchObject({ ok: true, token: auditor.token });
    });

    it('orders events by (instant, token id, kind): a revocation at its creation instant follows it', async () => {
      const sameInstant: TokenEvent = { kind: 'revoked', tokenId: admin.token.id, atMs: T0, by: 'cli:root' };
      await store.append(revokeOfficer);
      await store.append(sameInstant);
      await store.append(created(officer));
      await store.append(created(admin));
      await store.append(created(auditor));
      expect(await store.events()).toEqual([
        created(auditor),
        created(admin),
        sameInstant,
        created(officer),
        revokeOfficer,
      ]);
    });

    it('keeps a revocation: the token is refused from its instant on', async () => {
      await store.append(created(officer));
      await store.append(revokeOfficer);
      const states = tokenStates(await store.events());
      expect(checkToken(states, officer.presented, revokeOfficer.atMs - 1)).toMatchObject({ ok: true });
      expect(checkToken(states, officer.presented, revokeOfficer.atMs)).toEqual({ ok: false, reason: 'revoked' });
      expect(states.get(officer.token.id)).toMatchObject({ revokedAtMs: revokeOfficer.atMs, revokedBy: 'admin' });
    });

    it('stores an event appended again once, and init is idempotent', async () => {
      await store.init();
      await store.append(created(auditor));
      await store.append(created(auditor));
      await store.append(revokeOfficer);
      await store.append(revokeOfficer);
      await store.init();
      expect(await store.events()).toEqual([created(auditor), revokeOfficer]);
    });

    it('gives back the same events from a new adapter after a restart', async () => {
      await store.append(created(auditor));
      await store.append(created(officer));
      await store.append(revokeOfficer);
      const before = await store.events();
      store = await subject.reopen();
      expect(await store.events()).toEqual(before);
      const states = tokenStates(await store.events());
      expect(checkToken(states, auditor.presented, T0 + 10_000)).toMatchObject({ ok: true });
      expect(checkToken(states, officer.presented, T0 + 10_000)).toEqual({ ok: false, reason: 'revoked' });
      // The new adapter appends where the old one left off.
      await store.append(created(admin));
      expect((await store.events()).map((e) => e.kind)).toEqual(['created', 'created', 'created', 'revoked']);
    });

    it('answers an empty store with no events', async () => {
      expect(await store.events()).toEqual([]);
    });
  });
}
