import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbAccountingStore, createFleetView } from '../../accounting/index.js';
import { loadRetiredPublicKeys, periodSettingsSchema } from '../../periods/index.js';
import { wirePeriods } from '../../src/wire-periods.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { firstReadings, fleet, lateReadings, NOW } from './periods-fixture.js';

// A rotation of the period signing key (docs/periods.md, "Rotating the key"): revisions signed before it still
// verify once the old public key is listed as retired, and only then; new revisions are signed with the new key.
let t: TestHttpApp;
let dir: string;
let oldKeyId: string;

beforeAll(async () => {
  t = await createTestHttpApp({ fleet, nowMs: NOW });
  await t.store.write(firstReadings(), []);
  dir = mkdtempSync(join(tmpdir(), 'tanhe-key-rotation-'));
  const closed = await t.app.inject({
    method: 'POST',
    url: '/api/v1/periods/close',
    payload: { org: 'yc', period: '2026-10' },
  });
  expect(closed.statusCode).toBe(200);
  const published = (await t.app.inject({ method: 'GET', url: '/api/v1/periods/public-key' })).json<{
    keyId: string;
    pem: string;
    retired: unknown[];
  }>();
  expect(published.retired).toEqual([]);
  oldKeyId = published.keyId;
  writeFileSync(join(dir, 'retired.pub.pem'), published.pem);
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The periods use cases as a restarted service would wire them, over the same store, with other key settings. */
function rewire(settings: Record<string, unknown>) {
  return wirePeriods({
    settings: periodSettingsSchema.parse(settings),
    duckdbPath: join(dir, 'tanhe.duckdb'),
    store: t.periodStore,
    accountingStore: createDuckDbAccountingStore(t.duckdb),
    fleet: createFleetView(fleet),
    carbonReport: t.accounting.carbonReport,
    nowMs: () => NOW,
    log: { info: () => undefined },
  });
}

function newKeyFile(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return path;
}

describe('rotating the period signing key', () => {
  it('without the old key listed, a revision it signed no longer verifies: the key is unknown', async () => {
    const rotated = rewire({ signingKeyPath: newKeyFile('new-a.pem') });
    const verified = await rotated.verify('yc', '2026-10', 1);
    expect(verified.keyId).toBe(oldKeyId);
    expect(verified.stored).toMatchObject({ keyKnown: false, signatureValid: false, rootSignatureValid: false });
    expect(verified.holds).toBe(false);
  });

  it('with the old public key retired, the old revision verifies, and a new revision is signed with the new key', async () => {
    const rotated = rewire({
      signingKeyPath: newKeyFile('new-b.pem'),
      retiredPublicKeyPaths: [join(dir, 'retired.pub.pem')],
    });
    expect(rotated.retiredPublicKeys.map((k) => k.keyId)).toEqual([oldKeyId]);
    expect(rotated.publicKey.keyId).not.toBe(oldKeyId);
    const old = await rotated.verify('yc', '2026-10', 1);
    expect(old).toMatchObject({ keyId: oldKeyId, keyRetired: true, holds: true });
    expect(old.stored).toMatchObject({ keyKnown: true, signatureValid: true, rootSignatureValid: true });

    await t.store.write(lateReadings(), []);
    const revised = await rotated.revise({ orgId: 'yc', period: '2026-10', justification: 'late batch', by: 'test' });
    expect(revised.revision.keyId).toBe(rotated.publicKey.keyId);
    const fresh = await rotated.verify('yc', '2026-10', 2);
    expect(fresh).toMatchObject({ keyRetired: false, holds: true });
    // Revision 1 no longer matches today's readings (the late batch), but its signature still holds.
    const again = await rotated.verify('yc', '2026-10', 1);
    expect(again.stored).toMatchObject({ keyKnown: true, signatureValid: true });
    expect(again.recomputed.reportMatches).toBe(false);
  });

  it('refuses a retired key file that is missing, not a key, or not Ed25519, naming the path', () => {
    writeFileSync(join(dir, 'garbage.pem'), 'not a key');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
    writeFileSync(join(dir, 'ec.pub.pem'), ec);
    for (const name of ['missing.pem', 'garbage.pem', 'ec.pub.pem']) {
      expect(() => loadRetiredPublicKeys([join(dir, name)])).toThrow(
        expect.objectContaining({ code: 'SIGNING_KEY_INVALID', message: expect.stringContaining(name) }),
      );
    }
  });
});
