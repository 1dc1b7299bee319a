import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../src/kernel/index.js';
import { keyIdOf, publicKeyPem } from '../core/index.js';
import type { PeriodSigningKey, PeriodVerifyingKey } from '../ports.js';

/**
 * The Ed25519 key closed revisions are signed with, from a PEM file (PKCS#8).
 * `create`: a missing file is generated (the first run of the demo), written
 * with mode 0600 in a directory created 0700; otherwise a missing file is an
 * error, so a production service never signs with a key nobody provisioned.
 * The key's bytes never leave this function except as a KeyObject; errors
 * name the path, never the content.
 */
export function loadSigningKey(options: { readonly path: string; readonly create: boolean }): PeriodSigningKey & {
  readonly created: boolean;
} {
  let pem: string | undefined;
  try {
    pem = readFileSync(options.path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT' || !options.create)
      throw new AppError('SIGNING_KEY_INVALID', `cannot read the period signing key at ${options.path}`, { cause });
  }
  let privateKey: KeyObject;
  let created = false;
  if (pem === undefined) {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    writeFileSync(options.path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    created = true;
  } else {
    try {
      privateKey = createPrivateKey(pem);
    } catch {
      throw new AppError('SIGNING_KEY_INVALID', `the period signing key at ${options.path} is not a PEM private key`);
    }
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new AppError('SIGNING_KEY_INVALID', `the period signing key at ${options.path} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey, publicKeyPem: publicKeyPem(publicKey), created };
}

/**
 * The public keys of signing keys retired by a rotation (SPKI PEM; a private key's PEM is
 * accepted too and only its public half kept). Every file must hold an Ed25519 key: a wrong
 * path stops start-up with the path named, like the signing key's.
 */
export function loadRetiredPublicKeys(paths: readonly string[]): PeriodVerifyingKey[] {
  return paths.map((path) => {
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(readFileSync(path, 'utf8'));
    } catch (cause) {
      throw new AppError('SIGNING_KEY_INVALID', `cannot read a retired period public key at ${path}`, { cause });
    }
    if (publicKey.asymmetricKeyType !== 'ed25519')
      throw new AppError('SIGNING_KEY_INVALID', `the retired period key at ${path} is not an Ed25519 key`);
    return { keyId: keyIdOf(publicKey), publicKey, publicKeyPem: publicKeyPem(publicKey) };
  });
}
