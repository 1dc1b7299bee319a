import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { checkProofOffline, firstReadings, fleet, lateReadings, NOW } from './periods-fixture.js';

// Closing, revising and verifying a period over HTTP, on a real (in-memory) DuckDB (issue 9 §3, §4, "Done when").
// The tests run in order: each builds on the revisions the ones before stored.
let t: TestHttpApp;
let dir: string;
const revisionsUrl = '/api/v1/periods/yc/2026-10/revisions';

beforeAll(async () => {
  t = await createTestHttpApp({ fleet, nowMs: NOW });
  await t.store.write(firstReadings(), []);
  dir = mkdtempSync(join(tmpdir(), 'tanhe-periods-test-'));
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload });
const get = (url: string) => t.app.inject({ method: 'GET', url });

/** openssl's verdict on a document and its base64 signature, against the published key. */
function opensslVerifies(document: Buffer, signatureBase64: string, pem: string): boolean {
  writeFileSync(join(dir, 'pub.pem'), pem);
  writeFileSync(join(dir, 'report.json'), document);
  writeFileSync(join(dir, 'sig.bin'), Buffer.from(signatureBase64, 'base64'));
  const run = spawnSync('openssl', [
    'pkeyutl',
    '-verify',
    '-pubin',
    '-inkey',
    join(dir, 'pub.pem'),
    '-rawin',
    '-in',
    join(dir, 'report.json'),
    '-sigfile',
    join(dir, 'sig.bin'),
  ]);
  return run.status === 0;
}

describe('closing a period', () => {
  it('publishes the public key and its id', async () => {
    const res = await get('/api/v1/periods/public-key');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ keyId: string; pem: string; algorithm: string }>();
    expect(body.algorithm).toBe('Ed25519');
    expect(body.pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: body.pem });
    expect(body.keyId).toBe(createHash('sha256').update(der).digest('hex').slice(0, 16));
  });

  it('refuses a period that is not over, even with an override', async () => {
    const res = await post('/api/v1/periods/close', {
      org: 'yc',
      period: '2026-11',
      override: { justification: 'try' },
    });
    expect(res.statusCode).toBe(409);
    const body = res.json<{ code: string; details: { reasons: { code: string }[] } }>();
    expect(body.code).toBe('PERIOD_NOT_CLOSABLE');
    expect(body.details.reasons.map((r) => r.code)).toContain('period_not_over');
    const year = await post('/api/v1/periods/close', { org: 'yc', period: '2026' });
    expect(year.json<{ details: { reasons: { code: string }[] } }>().details.reasons.map((r) => r.code)).toContain(
      'period_not_over',
    );
    const malformed = await post('/api/v1/periods/close', { org: 'yc', period: 'October' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json<{ code: string }>().code).toBe('BAD_PERIOD');
  });

  it('refuses low completeness and readings awaiting review with every reason; an override closes it', async () => {
    const refused = await post('/api/v1/periods/close', { org: 'yc2', period: '2026-10' });
    expect(refused.statusCode).toBe(409);
    const body = refused.json<{ code: string; details: { reasons: { code: string; overridable: boolean }[] } }>();
    expect(body.code).toBe('PERIOD_NOT_CLOSABLE');
    expect(body.details.reasons.map((r) => r.code).sort()).toEqual([
      'completeness_below_threshold',
      'readings_await_review',
    ]);
    expect(body.details.reasons.every((r) => r.overridable)).toBe(true);
    expect(await t.periodStore.latest('yc2', '2026-10')).toBeUndefined();

    const overridden = await post('/api/v1/periods/close', {
      org: 'yc2',
      period: '2026-10',
      override: { justification: 'gateway replaced; the county accepts the gap' },
    });
    expect(overridden.statusCode).toBe(200);
    const closed = overridden.json<{ revision: number; justification: string; overridden: { code: string }[] }>();
    expect(closed.revision).toBe(1);
    expect(closed.justification).toBe('gateway replaced; the county accepts the gap');
    expect(closed.overridden.map((r) => r.code).sort()).toEqual([
      'completeness_below_threshold',
      'readings_await_review',
    ]);
  });

  it('closes a complete month as revision 1, and refuses to close it again or revise it unchanged', async () => {
    const res = await post('/api/v1/periods/close', { org: 'yc', period: '2026-10' });
    expect(res.statusCode).toBe(200);
    const closed = res.json<{ revision: number; digest: string; leafCount: number; previousDigest: null }>();
    expect(closed.revision).toBe(1);
    expect(closed.previousDigest).toBeNull();
    // Two meters × 31 days.
    expect(closed.leafCount).toBe(62);
    expect(closed.digest).toMatch(/^[0-9a-f]{64}$/);

    const again = await post('/api/v1/periods/close', { org: 'yc', period: '2026-10' });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ code: string }>().code).toBe('PERIOD_ALREADY_CLOSED');
    const unchanged = await post('/api/v1/periods/revise', { org: 'yc', period: '2026-10', justification: 'check' });
    expect(unchanged.statusCode).toBe(409);
    expect(unchanged.json<{ code: string }>().code).toBe('NOTHING_TO_REVISE');
    const never = await post('/api/v1/periods/revise', { org: 'nx', period: '2026-10', justification: 'check' });
    expect(never.statusCode).toBe(404);
    expect(never.json<{ code: string }>().code).toBe('PERIOD_NOT_CLOSED');
  });

  it('serves revision 1 byte for byte: its SHA-256 is the digest and openssl verifies its signature', async () => {
    const res = await get(`${revisionsUrl}/1`);
    expect(res.statusCode).toBe(200);
    const bytes = res.rawPayload;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(res.headers['x-tanhe-digest']);
    const pem = t.periods.publicKey.pem;
    const signature = String(res.headers['x-tanhe-signature']);
    expect(opensslVerifies(bytes, signature, pem)).toBe(true);
    // One byte changed: openssl refuses it.
    const changed = Buffer.from(bytes);
    changed[changed.length - 2] = changed[changed.length - 2] === 0x31 ? 0x32 : 0x31;
    expect(opensslVerifies(changed, signature, pem)).toBe(false);
    const document = JSON.parse(bytes.toString('utf8')) as { report: Record<string, unknown>; revision: number };
    expect(document.revision).toBe(1);
    expect(document.report).not.toHaveProperty('generatedAt');
  });

  it('prints revision 1 with its signature block: HTML in both languages, and the Excel summary', async () => {
    const signed = await get(`${revisionsUrl}/1`);
    const digest = String(signed.headers['x-tanhe-digest']);
    const keyId = String(signed.headers['x-tanhe-key-id']);
    const document = JSON.parse(signed.body) as { report: { totals: { tce: number } } };
    for (const lang of ['zh', 'en']) {
      const html = await get(`${revisionsUrl}/1?format=html&lang=${lang}`);
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toMatch(/^text\/html/);
      expect(html.body).toContain(digest);
      expect(html.body).toContain(keyId);
      // The printed figures are the signed ones, not a recomputation.
      expect(html.body).toContain(`data-value="${document.report.totals.tce}"`);
    }
    const xlsx = await get(`${revisionsUrl}/1?format=xlsx&lang=en`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-disposition']).toContain('carbon-report-yc-2026-10-r1.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const cells = workbook.worksheets[0]!.getSheetValues().flat().map(String);
    expect(cells).toContain(digest);
    expect((await get(`${revisionsUrl}/1?format=docx`)).json()).toMatchObject({ code: 'BAD_FORMAT' });
  });

  it('verifies while nothing moved, and the open report names the revision', async () => {
    const verified = await get(`${revisionsUrl}/1/verify`);
    expect(verified.statusCode).toBe(200);
    expect(verified.json<{ holds: boolean }>().holds).toBe(true);
    const report = await get('/api/v1/reports/carbon?org=yc&period=2026-10');
    expect(report.json<{ closed: unknown }>().closed).toMatchObject({
      revision: 1,
      dataMovedSinceClose: false,
      figuresChangedSinceClose: false,
    });
    const open = await get('/api/v1/reports/carbon?org=nx&period=2026-10');
    expect(open.json()).not.toHaveProperty('closed');
  });

  it("gives one meter-day's inclusion proof, which checks offline against the signed root", async () => {
    const res = await get(`${revisionsUrl}/1/proof?meter=e1&day=2026-10-10`);
    expect(res.statusCode).toBe(200);
    const proof = res.json<Parameters<typeof checkProofOffline>[0] & { leaf: { meterId: string; day: string } }>();
    expect(proof.leaf).toMatchObject({ meterId: 'e1', day: '2026-10-10', readings: 24 });
    expect(checkProofOffline(proof, t.periods.publicKey.pem)).toEqual({ rootMatches: true, signatureValid: true });
    // A changed leaf no longer leads to the signed root.
    const forged = { ...proof, leafJson: proof.leafJson.replace('"readings":24', '"readings":23') };
    expect(checkProofOffline(forged, t.periods.publicKey.pem).rootMatches).toBe(false);

    const missing = await get(`${revisionsUrl}/1/proof?meter=e1&day=2026-11-10`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ code: string }>().code).toBe('LEAF_NOT_FOUND');
    const noRevision = await get(`${revisionsUrl}/9/proof?meter=e1&day=2026-10-10`);
    expect(noRevision.statusCode).toBe(404);
    expect(noRevision.json<{ code: string }>().code).toBe('REVISION_NOT_FOUND');
  });
});

describe('a late batch after close', () => {
  let revision1: Buffer;

  it('is seen by the open report and by verify, which names the meter-day', async () => {
    revision1 = (await get(`${revisionsUrl}/1`)).rawPayload;
    await t.store.write(lateReadings(), []);
    const report = await get('/api/v1/reports/carbon?org=yc&period=2026-10');
    expect(report.json<{ closed: unknown }>().closed).toMatchObject({ revision: 1, dataMovedSinceClose: true });
    const verified = (await get(`${revisionsUrl}/1/verify`)).json<{
      holds: boolean;
      stored: Record<string, boolean>;
      recomputed: { leavesMatch: boolean; meterDays: unknown[] };
    }>();
    expect(verified.holds).toBe(false);
    expect(Object.values(verified.stored).every(Boolean)).toBe(true);
    expect(verified.recomputed.leavesMatch).toBe(false);
    expect(verified.recomputed.meterDays).toEqual([{ meterId: 'e1', day: '2026-10-20', change: 'changed' }]);
  });

  it('yields revision 2 with the diff and the previous digest; revision 1 stays byte-identical', async () => {
    const res = await post('/api/v1/periods/revise', {
      org: 'yc',
      period: '2026-10',
      justification: 'late gateway batch of 20 October',
    });
    expect(res.statusCode).toBe(200);
    const revised = res.json<{
      revision: number;
      previousDigest: string;
      diff: {
        reasons: { kind: string; meterDays?: unknown[] }[];
        lines: { carrier: string; figures: { field: string; delta: number }[] }[];
        totals: { field: string; before: number; after: number }[];
      };
    }>();
    expect(revised.revision).toBe(2);
    expect(revised.previousDigest).toBe(createHash('sha256').update(revision1).digest('hex'));
    expect(revised.diff.reasons).toEqual([
      { kind: 'late_readings', meterDays: [{ meterId: 'e1', day: '2026-10-20', change: 'changed' }] },
    ]);
    // The register difference across the gap is the same energy; the six readings and the completeness are new.
    const line = revised.diff.lines.find((l) => l.carrier === 'electricity');
    expect(line?.figures.find((f) => f.field === 'readings.received')?.delta).toBe(6);
    expect(line?.figures.find((f) => f.field === 'completeness')?.delta).toBeGreaterThan(0);
    expect(line?.figures.find((f) => f.field === 'consumption')).toBeUndefined();
    const completeness = revised.diff.totals.find((f) => f.field === 'completeness');
    expect(completeness?.after).toBeGreaterThan(completeness?.before ?? 1);

    expect((await get(`${revisionsUrl}/1`)).rawPayload.equals(revision1)).toBe(true);
    const list = (await get(revisionsUrl)).json<{ revisions: { revision: number; digest: string }[] }>();
    expect(list.revisions.map((r) => r.revision)).toEqual([1, 2]);
    expect((await get(`${revisionsUrl}/2/verify`)).json<{ holds: boolean }>().holds).toBe(true);
    const report = await get('/api/v1/reports/carbon?org=yc&period=2026-10');
    expect(report.json<{ closed: unknown }>().closed).toMatchObject({ revision: 2, dataMovedSinceClose: false });
  });
});

describe('tampering', () => {
  it('one stored reading changed: verify names the meter-day', async () => {
    const tsMs = Date.parse('2026-10-07T09:00:00+08:00');
    await t.duckdb.run((c) =>
      c.run(`UPDATE readings SET value = value + 1 WHERE meter_id = 'e2' AND ts = make_timestamptz(${tsMs * 1000})`),
    );
    const verified = (await get(`${revisionsUrl}/2/verify`)).json<{
      holds: boolean;
      stored: Record<string, boolean>;
      recomputed: { meterDays: unknown[] };
    }>();
    expect(verified.holds).toBe(false);
    expect(Object.values(verified.stored).every(Boolean)).toBe(true);
    expect(verified.recomputed.meterDays).toEqual([{ meterId: 'e2', day: '2026-10-07', change: 'changed' }]);
  });

  it('one byte of a closed report changed: the digest and the signature no longer match', async () => {
    await t.duckdb.run((c) =>
      c.run(
        `UPDATE period_revisions SET canonical_json = replace(canonical_json, '"revision":1', '"revision":7')
         WHERE org_id = 'yc' AND period = '2026-10' AND revision = 1`,
      ),
    );
    const verified = (await get(`${revisionsUrl}/1/verify`)).json<{
      holds: boolean;
      stored: { digestMatches: boolean; signatureValid: boolean; canonical: boolean };
    }>();
    expect(verified.holds).toBe(false);
    expect(verified.stored).toMatchObject({ digestMatches: false, signatureValid: false, canonical: true });
  });
});
