import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';
import { firstReadings, fleet, lateReadings, NOW } from './periods-fixture.js';

// The review up the tree bound to real closed periods (issue 9 §5, "Done when"): the institution's month is
// closed and signed by the periods capability, submitted, returned by its county, fixed as revision 2 after a
// late batch, resubmitted and approved by the county and the region (the fixture's tree has no city level).
// Every caller has its own API token through the real auth plugin; nothing stands in for closing.
let t: TestHttpApp;
const PERIOD = '2026-10';

beforeAll(async () => {
  t = await createTestHttpApp({ fleet, nowMs: NOW });
  await t.store.write(firstReadings(), []);
});
afterAll(async () => {
  await t?.close();
});

const bearer = new Map<string, Promise<string>>();
function as(role: 'energy_officer' | 'administrator' | 'auditor', scope: string): Promise<string> {
  const key = `${role}@${scope}`;
  if (!bearer.has(key))
    bearer.set(
      key,
      t.mintToken(role, scope).then((token) => `Bearer ${token}`),
    );
  return bearer.get(key)!;
}
async function post(url: string, caller: Promise<string>, payload?: object) {
  const res = await t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: await caller },
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, body: res.json() };
}
const step = (action: string, caller: Promise<string>, payload?: object) =>
  post(`/api/v1/periods/inst1/${PERIOD}/${action}`, caller, payload);
async function digestOf(revision: number): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/periods/inst1/${PERIOD}/revisions/${revision}` });
  expect(res.statusCode).toBe(200);
  return String(res.headers['x-tanhe-digest']);
}
async function statusOf(org: string) {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/periods?org=${org}&period=${PERIOD}`,
    headers: { authorization: await as('auditor', org) },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ counts: Record<string, number>; items: { org: string; status: string }[] }>();
}

describe('the review over closed and revised periods', () => {
  it('leaves the trail of submit, return, revision 2, resubmit and approvals, bound to the real digests', async () => {
    const officer = as('energy_officer', 'inst1');
    const county = as('energy_officer', 'yc');
    const region = as('energy_officer', 'nx');
    const admin = as('administrator', 'nx');

    expect((await step('submit', officer)).body.code).toBe('REVIEW_NOT_CLOSED');
    const closed = await post('/api/v1/periods/close', admin, { org: 'inst1', period: PERIOD });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const digest1 = await digestOf(1);
    expect(closed.body.digest).toBe(digest1);

    expect((await step('submit', officer)).body.status).toMatchObject({
      status: 'submitted',
      awaiting: { level: 'county', org: 'yc' },
      digest: digest1,
    });
    expect((await statusOf('nx')).items.find((i) => i.org === 'inst1')?.status).toBe('submitted');
    // The region may not act before the county; the county returns it.
    expect((await step('approve', region)).body.code).toBe('REVIEW_WRONG_LEVEL');
    const returned = await step('return', county, { reason: '10 月 20 日电表读数缺失' });
    expect(returned.body.status).toMatchObject({ status: 'returned', returned: { revision: 1 } });
    expect((await step('submit', officer)).body.code).toBe('REVIEW_NEEDS_NEW_REVISION');

    // The fix: the missing readings arrive and the administrator issues revision 2.
    await t.store.write(lateReadings(), []);
    const revised = await post('/api/v1/periods/revise', admin, {
      org: 'inst1',
      period: PERIOD,
      justification: '补录 10 月 20 日读数',
    });
    expect(revised.status, JSON.stringify(revised.body)).toBe(200);
    const digest2 = await digestOf(2);
    expect(digest2).not.toBe(digest1);

    expect((await step('submit', officer)).body.status).toMatchObject({ status: 'submitted', revision: 2 });
    expect((await step('approve', county)).body.status).toMatchObject({
      status: 'approved_at_county',
      awaiting: { level: 'region', org: 'nx' },
    });
    const approved = await step('approve', region);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toMatchObject({ status: 'approved', awaiting: null, revision: 2, digest: digest2 });
    const trail = (
      approved.body.status.trail as { step: string; level: string; revision: number; digest: string }[]
    ).map((s) => [s.step, s.level, s.revision, s.digest]);
    expect(trail).toEqual([
      ['submitted', 'institution', 1, digest1],
      ['returned', 'county', 1, digest1],
      ['submitted', 'institution', 2, digest2],
      ['approved', 'county', 2, digest2],
      ['approved', 'region', 2, digest2],
    ]);
    const status = await statusOf('nx');
    expect(status.items.find((i) => i.org === 'inst1')?.status).toBe('approved');
    expect(status.counts).toMatchObject({ approved: 1, not_submitted: 1 });

    // The audit log has each step, with the revision's digest.
    const audit = await t.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000' });
    const entries = audit.json<{ items: { action: string; outcome: string; detail: { digest?: string } }[] }>().items;
    const steps = entries
      .filter((e) => e.action.startsWith('period.') && e.outcome === 'ok')
      .map((e) => [e.action, e.detail.digest]);
    expect(steps).toEqual([
      ['period.close', digest1],
      ['period.submit', digest1],
      ['period.return', digest1],
      ['period.revise', digest2],
      ['period.submit', digest2],
      ['period.approve', digest2],
      ['period.approve', digest2],
    ]);
  });
});
