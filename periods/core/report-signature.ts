import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Ed25519 signatures over closed documents (docs/periods.md, "Signing").
 * What is signed is the canonical JSON's UTF-8 bytes themselves, not their
 * digest: Ed25519 hashes the message internally (SHA-512, RFC 8032), and
 * signing the file as it is served lets an auditor check it with nothing but
 * `openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in report.json -sigfile sig.bin`.
 * Signing and checking are computation (no I/O): the key is loaded by an adapter.
 */

/** The first 16 hex digits of SHA-256 over the public key's SPKI DER: names the key on every revision. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Base64 Ed25519 signature over the text's UTF-8 bytes. */
export function signText(text: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

export function verifyText(text: string, signatureBase64: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/** The public key as PEM (SPKI), as the public-key route publishes it. */
export function publicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
