import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { digestOf, fakeClosedRevisions, reviewFleet } from './review-fixture.js';

// The review routes over a real (in-memory) DuckDB store, each caller with its own API token (role over a
// subtree) through the real auth plugin; the closed revisions are a fake the test advances, as closing and
// revising the period would.
const NOW = Date.UTC(2026, 10, 5, 2);
const PERIOD = '2026-10';
const closed = fakeClosedRevisions();
const audit: { url: string; status: number; detail: Record<string, unknown> | undefined }[] = [];
let http: TestHttpApp;

beforeAll(async () => {
  http = await createTestHttpApp({ fleet: reviewFleet, nowMs: NOW, closedRevisions: closed });
  http.app.addHook('onResponse', async (request, reply) => {
    audit.push({ url: request.url, status: reply.statusCode, detail: request.auditDetail });
  });
  await http.app.ready();
});
afterAll(async () => {
  await http?.close();
});

type Role = 'auditor' | 'energy_officer' | 'administrator';
const tokens = new Map<string, Promise<string>>();
/** The bearer header of a caller with that role over that subtree (one token per pair). */
function as(scopeOrgId: string, role: Role = 'energy_officer'): Promise<string> {
  const key = `${role}@${scopeOrgId}`;
  if (!tokens.has(key))
    tokens.set(
      key,
      http.mintToken(role, scopeOrgId).then((token) => `Bearer ${token}`),
    );
  return tokens.get(key)!;
}

async function step(action: string, org: string, caller: Promise<string>, payload?: object) {
  const response = await http.app.inject({
    method: 'POST',
    url: `/api/v1/periods/${org}/${PERIOD}/${action}`,
    headers: { authorization: await caller },
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: response.statusCode, body: response.json() };
}
async function statusOf(org: string, period = PERIOD) {
  const response = await http.app.inject({
    method: 'GET',
    url: `/api/v1/periods?org=${org}&period=${period}`,
    // At the root: the unknown org below must answer 404, which a scoped caller never sees (OUT_OF_SCOPE).
    headers: { authorization: await as('*', 'auditor') },
  });
  return { status: response.statusCode, body: response.json() };
}

describe('the review up the tree over HTTP', () => {
  it('walks submit, return by the county, resubmit of the fix, approval by county, city and region', async () => {
    expect((await step('submit', 'gov', as('gov'))).body.code).toBe('REVIEW_NOT_CLOSED');
    closed.close('gov', PERIOD);

    const submitted = await step('submit', 'gov', as('gov'));
    expect(submitted.status).toBe(200);
    expect(submitted.body.step).toMatchObject({ step: 'submitted', level: 'institution', revision: 1 });
    expect(submitted.body.status).toMatchObject({ status: 'submitted', awaiting: { level: 'county', org: 'xq' } });
    expect((await statusOf('xq')).body.counts).toMatchObject({ submitted: 1, not_submitted: 1 });

    const returned = await step('return', 'gov', as('xq'), { reason: '燃气表 10 月读数缺失' });
    expect(returned.status).toBe(200);
    expect(returned.body.status).toMatchObject({
      status: 'returned',
      awaiting: null,
      returned: { by: { level: 'county', org: 'xq' }, reason: '燃气表 10 月读数缺失', revision: 1 },
    });
    expect((await statusOf('xq')).body.counts).toMatchObject({ returned: 1, not_submitted: 1 });
    expect((await step('submit', 'gov', as('gov'))).body.code).toBe('REVIEW_NEEDS_NEW_REVISION');

    closed.close('gov', PERIOD);
    expect((await step('submit', 'gov', as('gov'), { revision: 1 })).body.code).toBe('REVIEW_STALE_REVISION');
    expect((await step('submit', 'gov', as('gov'), { revision: 2 })).body.status.status).toBe('submitted');
    expect((await step('approve', 'gov', as('yc'))).body.code).toBe('REVIEW_WRONG_LEVEL');
    expect((await step('approve', 'gov', as('xq'))).body.status.status).toBe('approved_at_county');
    expect((await step('approve', 'gov', as('yc'))).body.status.status).toBe('approved_at_city');
    const region = await step('approve', 'gov', as('nx'), { revision: 2 });
    expect(region.body.status).toMatchObject({ status: 'approved', revision: 2, digest: digestOf('gov', PERIOD, 2) });
    expect(region.body.status.trail.map((s: Record<string, unknown>) => [s.step, s.reviewerOrg, s.revision])).toEqual([
      ['submitted', 'gov', 1],
      ['returned', 'xq', 1],
      ['submitted', 'gov', 2],
      ['approved', 'xq', 2],
      ['approved', 'yc', 2],
      ['approved', 'nx', 2],
    ]);

    const report = await statusOf('nx');
    expect(report.status).toBe(200);
    expect(report.body.items.map((i: Record<string, unknown>) => [i.org, i.status, i.latestClosedRevision])).toEqual([
      ['gov', 'approved', 2],
      ['school', 'not_submitted', null],
      ['clinic', 'not_submitted', null],
      ['city-hosp', 'not_submitted', null],
    ]);
    expect(report.body.counts).toEqual({
      not_submitted: 3,
      submitted: 0,
      returned: 0,
      approved_at_county: 0,
      approved_at_city: 0,
      approved: 1,
    });
    expect(report.body.items[0].lastStep).toMatchObject({
      step: 'approved',
      level: 'region',
      actor: expect.stringMatching(/^energy_officer@nx#/),
    });
  });

  it("puts each recorded step into the request's audit detail, bound to the revision's digest", () => {
    const steps = audit.filter((a) => a.status === 200 && a.url.startsWith('/api/v1/periods/'));
    expect(steps.map((a) => a.detail)).toEqual([
      { step: 'submitted', level: 'institution', revision: 1, digest: digestOf('gov', PERIOD, 1), reason: null },
      {
        step: 'returned',
        level: 'county',
        revision: 1,
        digest: digestOf('gov', PERIOD, 1),
        reason: '燃气表 10 月读数缺失',
      },
      { step: 'submitted', level: 'institution', revision: 2, digest: digestOf('gov', PERIOD, 2), reason: null },
      { step: 'approved', level: 'county', revision: 2, digest: digestOf('gov', PERIOD, 2), reason: null },
      { step: 'approved', level: 'city', revision: 2, digest: digestOf('gov', PERIOD, 2), reason: null },
      { step: 'approved', level: 'region', revision: 2, digest: digestOf('gov', PERIOD, 2), reason: null },
    ]);
    // A refused step records nothing in its audit detail.
    expect(audit.filter((a) => a.status !== 200 && a.url.includes('/gov/')).every((a) => a.detail === undefined)).toBe(
      true,
    );
  });

  it('records an administrator at the root acting for the county as such', async () => {
    closed.close('clinic', PERIOD);
    await step('submit', 'clinic', as('clinic'));
    const approved = await step('approve', 'clinic', as('nx', 'administrator'));
    expect(approved.status).toBe(200);
    expect(approved.body.step).toMatchObject({
      level: 'county',
      reviewerOrg: 'jn',
      actedAs: 'administrator',
      actor: expect.stringMatching(/^administrator@nx#/),
    });
  });
});

describe('refusals over HTTP', () => {
  it('answers each refusal with its status and stable code', async () => {
    closed.close('school', PERIOD);
    const cases: [Promise<{ status: number; body: { code: string } }>, number, string][] = [
      [step('approve', 'school', as('xq')), 409, 'REVIEW_NOT_AWAITING'],
      // Refused by the auth plugin before the use case (whose own REVIEW_OUT_OF_SCOPE the use-case tests cover).
      [step('submit', 'school', as('jn')), 403, 'OUT_OF_SCOPE'],
      [step('submit', 'xq', as('xq')), 400, 'REVIEW_NOT_INSTITUTION'],
      [step('submit', 'nowhere', as('*')), 404, 'ORG_NOT_FOUND'],
    ];
    for (const [pending, status, code] of cases) expect(await pending).toMatchObject({ status, body: { code } });
    expect(await step('submit', 'school', as('school'))).toMatchObject({ status: 200 });
    expect(await step('submit', 'school', as('school'))).toMatchObject({
      status: 409,
      body: { code: 'REVIEW_ALREADY_SUBMITTED' },
    });
    expect(await step('return', 'school', as('xq'), {})).toMatchObject({
      status: 400,
      body: { code: 'REVIEW_REASON_REQUIRED' },
    });
    expect(await step('return', 'school', as('xq'), { reason: 'x'.repeat(2_001) })).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(await step('approve', 'school', as('xq'), { revision: 1.5 })).toMatchObject({ status: 400 });
    const bad = await http.app.inject({
      method: 'POST',
      url: '/api/v1/periods/school/2026-13/submit',
      headers: { authorization: await as('school') },
    });
    expect(bad.json()).toMatchObject({ code: 'BAD_PERIOD' });
    expect((await statusOf('xq', '2026-1')).body.code).toBe('BAD_PERIOD');
    expect((await statusOf('nowhere')).status).toBe(404);
    closed.close('school', PERIOD);
    expect(await step('approve', 'school', as('xq'))).toMatchObject({
      status: 409,
      body: { code: 'REVIEW_STALE_REVISION' },
    });
  });
});
