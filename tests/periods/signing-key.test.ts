import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSigningKey, signText, verifyText } from '../../periods/index.js';

// The period signing key on disk: generated once for the demo (0600), reused, refused when wrong.
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tanhe-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the period signing key', () => {
  it('is generated on the first run with mode 0600, and the same key is loaded the next time', () => {
    const path = join(dir, 'data', 'periods-signing-key.pem');
    const first = loadSigningKey({ path, create: true });
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = loadSigningKey({ path, create: true });
    expect(again.created).toBe(false);
    expect(again.keyId).toBe(first.keyId);
    expect(verifyText('closed', signText('closed', first.privateKey), again.publicKey)).toBe(true);
  });

  it('refuses a configured path that does not exist, a file that is not a key, and a key that is not Ed25519', () => {
    expect(() => loadSigningKey({ path: join(dir, 'missing.pem'), create: false })).toThrow(
      expect.objectContaining({ code: 'SIGNING_KEY_INVALID' }),
    );
    writeFileSync(join(dir, 'garbage.pem'), 'not a key');
    expect(() => loadSigningKey({ path: join(dir, 'garbage.pem'), create: false })).toThrow(
      expect.objectContaining({ code: 'SIGNING_KEY_INVALID' }),
    );
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'ec.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadSigningKey({ path: join(dir, 'ec.pem'), create: false })).toThrow(
      expect.objectContaining({ code: 'SIGNING_KEY_INVALID' }),
    );
  });
});
