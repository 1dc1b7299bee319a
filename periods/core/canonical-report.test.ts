import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, closedReportBody, isCanonical, sha256Hex } from './canonical-report.js';
import { rootStatement, sealDocument, type ClosedDocument } from './closed-document.js';
import { keyIdOf, signText, verifyText } from './report-signature.js';

describe('the canonical closed document', () => {
  it('is RFC 8785: keys sorted by code unit, numbers as ECMAScript writes them, no whitespace', () => {
    expect(canonicalJson({ b: 1e21, a: [0.1, -0, 1e-7], é: '银川', A: null })).toBe(
      '{"A":null,"a":[0.1,0,1e-7],"b":1e+21,"é":"银川"}',
    );
    expect(isCanonical('{"a":1}')).toBe(true);
    expect(isCanonical('{ "a": 1 }')).toBe(false);
    expect(isCanonical('not json')).toBe(false);
  });

  it('leaves out generatedAt and nothing else', () => {
    const body = closedReportBody({ generatedAt: '2026-11-05T00:00:00Z', totals: { kgce: 1.5 }, notes: [] });
    expect(body).toEqual({ totals: { kgce: 1.5 }, notes: [] });
  });

  it('its digest is the SHA-256 of the canonical bytes, and the signature is over those bytes', () => {
    const document = { format: 'tanhe.closed-report/1', report: { totals: { kgce: 2 } } } as unknown as ClosedDocument;
    const sealed = sealDocument(document);
    expect(sealed.digest).toBe(sha256Hex(Buffer.from(sealed.canonicalJson, 'utf8')));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signature = signText(sealed.canonicalJson, privateKey);
    expect(verifyText(sealed.canonicalJson, signature, publicKey)).toBe(true);
    expect(verifyText(sealed.canonicalJson.replace('2', '3'), signature, publicKey)).toBe(false);
    expect(verifyText(sealed.canonicalJson, 'not base64 of a signature', publicKey)).toBe(false);
    expect(keyIdOf(privateKey)).toBe(keyIdOf(publicKey));
    expect(keyIdOf(publicKey)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('the root statement names the root, the leaf count and the digest', () => {
    const ref = { orgId: 'yc', period: '2026-10', revision: 2, merkleRoot: 'ab', leafCount: 3, digest: 'cd' };
    expect(JSON.parse(rootStatement(ref))).toEqual({ format: 'tanhe.merkle-root/1', ...ref });
  });
});
