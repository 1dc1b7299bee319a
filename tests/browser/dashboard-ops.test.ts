import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { launchBrowser, logIn, seriousAxeViolations, waitForView } from './support/browser.js';
import { DEMO_ADMIN_TOKEN, startDemoService, type DemoService } from './support/demo-service.js';

/**
 * The officers' views in a real browser against the real service on the demo fleet
 * (src/dashboard/views/ops): acknowledge and resolve alerts, open a meter, download a
 * report, see a closed period with its revision and submit it, and axe-core on each
 * view in both languages. Every expected value is read from the API, never written here.
 */

interface Alert {
  id: string;
  rule: string;
  state: string;
  acknowledged: { by: string; justification: string } | null;
  resolved: { by: string; note: string | null } | null;
}

interface Meter {
  id: string;
  institution: string;
  state: string;
}

const INSTITUTION = 'yc-xq-school';
const OPS_VIEWS = ['alerts', 'meter-health', 'reports'] as const;
const LANGS = ['zh', 'en'] as const;

/** The last complete month in the fleet's zone: the month the reports view opens on. */
function previousMonth(timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(
    Date.now(),
  );
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  const [y, m] = month === 1 ? [year - 1, 12] : [year, month - 1];
  return `${y}-${String(m).padStart(2, '0')}`;
}

const PERIOD = previousMonth('Asia/Shanghai');

let dir: string;
let service: DemoService;
let browser: Browser;
let closed: { revision: number; digest: string };

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  service.died.throwIfAborted();
  const response = await fetch(`${service.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${DEMO_ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function alerts(query: string): Promise<Alert[]> {
  return (await call<{ items: Alert[] }>('GET', `/alerts?${query}`)).items;
}

/** The focused element: its name (a form field), its type (a button) or its id. */
async function focused(page: Page): Promise<string | null> {
  return await page.evaluate(() => {
    // In the page: its globals, which the Node-side types (no DOM lib) do not describe.
    type Focused = { tagName: string; id: string; getAttribute(name: string): string | null };
    const element = (globalThis as unknown as { document: { activeElement: Focused | null } }).document.activeElement;
    if (element === null) return null;
    return element.getAttribute('name') ?? (element.tagName === 'BUTTON' ? element.getAttribute('type') : element.id);
  });
}

async function openPage(hash: string, lang: 'zh' | 'en' = 'zh'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  await logIn(page, service.url, DEMO_ADMIN_TOKEN, hash);
  if (lang === 'en') await page.locator('button[data-lang="en"]').click();
  return page;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tanhe-dashboard-ops-'));
  service = await startDemoService(dir);
  browser = await launchBrowser();
  // The rules run once the backfill is stored: a quota overrun and other alerts are then open.
  await eventually(
    async () => {
      const notified = await alerts('org=nx&state=notified&limit=50');
      expect(notified.some((a) => a.rule.startsWith('quota_'))).toBe(true);
      expect(notified.some((a) => !a.rule.startsWith('quota_'))).toBe(true);
    },
    { timeoutMs: 600_000, intervalMs: 2_000, message: 'the first evaluation raised alerts', signal: service.died },
  );
  // The institution's last month closed through the API, as an administrator does; the override records why
  // the demo's injected faults (quarantined payloads, a short backfill) do not hold it open.
  closed = await call('POST', '/periods/close', {
    org: INSTITUTION,
    period: PERIOD,
    override: { justification: 'browser test: the demo fleet carries injected faults' },
  });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the alerts view', () => {
  it('refuses a quota overrun without a justification, acknowledges it with one, and resolves another alert', async () => {
    const notified = await alerts('org=nx&state=notified&limit=50');
    const quota = notified.find((a) => a.rule.startsWith('quota_'));
    const other = notified.find((a) => !a.rule.startsWith('quota_'));
    if (quota === undefined || other === undefined) throw new Error('the set-up found both kinds');
    const page = await openPage('#/alerts/nx');
    await waitForView(page, 'alerts');

    const quotaRow = page.locator(`tr[data-alert-id="${quota.id}"]`);
    await quotaRow.locator('button[data-action="ack"]').click();
    const form = page.locator('form[data-action="ack"]');
    await eventually(async () => expect(await focused(page)).toBe('by'));
    await form.locator('input[name="by"]').fill('李工');
    await form.locator('button[type="submit"]').click();
    await form.locator('[data-error-code="JUSTIFICATION_REQUIRED"]').waitFor();
    expect((await alerts('org=nx&state=acknowledged&limit=1000')).some((a) => a.id === quota.id)).toBe(false);

    const justification = '冬季供暖负荷高于预期，已安排节能检查';
    await form.locator('textarea[name="justification"]').fill(justification);
    await form.locator('button[type="submit"]').click();
    await eventually(async () => {
      const acknowledged = (await alerts('org=nx&state=acknowledged&limit=1000')).find((a) => a.id === quota.id);
      expect(acknowledged?.acknowledged).toEqual({ by: '李工', justification, at: expect.any(String) });
    });
    await page.locator(`tr[data-alert-id="${quota.id}"][data-state="acknowledged"]`).waitFor();

    await page.locator(`tr[data-alert-id="${other.id}"] button[data-action="resolve"]`).click();
    const resolveForm = page.locator('form[data-action="resolve"]');
    await resolveForm.locator('input[name="by"]').fill('李工');
    await resolveForm.locator('textarea[name="note"]').fill('现场检查后已处理');
    await resolveForm.locator('button[type="submit"]').click();
    await eventually(async () => {
      const resolved = (await alerts('org=nx&state=resolved&limit=1000')).find((a) => a.id === other.id);
      expect(resolved?.resolved).toEqual({ by: '李工', note: '现场检查后已处理', at: expect.any(String) });
    });
    // The default filter shows the unresolved alerts only: the resolved one leaves the table.
    await page.locator(`tr[data-alert-id="${other.id}"]`).waitFor({ state: 'detached' });
    await page.close();
  });

  it('is not offered to an auditor, whose reports view offers no review step either', async () => {
    const { secret } = await call<{ secret: string }>('POST', '/tokens', {
      name: 'browser-test-auditor',
      role: 'auditor',
      scope: 'nx',
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await logIn(page, service.url, secret, `#/reports/${INSTITUTION}`);
    await waitForView(page, 'reports');
    expect(await page.locator(`[data-testid="review-table"] tr[data-org]`).count()).toBeGreaterThan(0);
    expect(await page.locator('button[data-step]').count()).toBe(0);
    expect(await page.locator('a[href^="#/alerts/"]').count()).toBe(0);
    await page.close();
  });
});

describe('the meter-health view', () => {
  it('lists the org’s meters offline first and opens one with its findings, readings and baseline', async () => {
    const meters = (await call<{ meters: Meter[] }>('GET', '/meters')).meters;
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const healthRequests: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/\/health$|\/meter-health$/.test(path)) healthRequests.push(path);
    });
    await logIn(page, service.url, DEMO_ADMIN_TOKEN, '#/meter-health/nx');
    await page.locator('button[data-lang="en"]').click();
    // The view is ready once the org's meters' health has answered: one request for them all (GET /meter-health).
    await waitForView(page, 'meter-health', 600_000);
    expect(healthRequests).toEqual(['/api/v1/meter-health']);
    const rows = page.locator('tr[data-meter-id]');
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({ id: tr.getAttribute('data-meter-id'), offline: tr.getAttribute('data-offline') })),
    );
    expect(shown.map((r) => r.id).sort()).toEqual(meters.map((m) => m.id).sort());
    // Offline first: no reporting meter above an offline one.
    const firstOnline = shown.findIndex((r) => r.offline === 'false');
    expect(shown.slice(firstOnline === -1 ? shown.length : firstOnline).every((r) => r.offline === 'false')).toBe(true);
    for (const late of meters.filter((m) => m.state !== 'reporting')) {
      expect(shown.find((r) => r.id === late.id)?.offline).toBe('true');
    }

    const meterId = shown[0]?.id;
    if (meterId === undefined || meterId === null) throw new Error('the demo has meters');
    await rows.first().getByRole('button').click();
    const detail = page.locator(`[data-testid="meter-detail"][data-meter-id="${meterId}"][data-ready="true"]`);
    await detail.waitFor();
    await eventually(async () => expect(await focused(page)).toBe('ops-meter-detail-title'));
    const health = await call<{ findings: { rule: string; verdict: string }[] }>(
      'GET',
      `/meters/${encodeURIComponent(meterId)}/health`,
    );
    const rules = await detail
      .locator('[data-testid="health-table"] tr[data-rule]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-rule')));
    expect(rules.sort()).toEqual(health.findings.map((f) => f.rule).sort());
    const baseline = await call<{ status: string; profile: unknown[] }>(
      'GET',
      `/meters/${encodeURIComponent(meterId)}/baseline`,
    );
    expect(await detail.locator('[data-testid="baseline-status"]').innerText()).toContain(baseline.status);
    expect(await detail.locator('[data-testid="baseline-table"] tbody tr').count()).toBe(baseline.profile.length);
    const readings = await call<{ items: { ts: string }[] }>(
      'GET',
      `/readings?meter=${encodeURIComponent(meterId)}&limit=10000`,
    );
    const shownTs = await detail
      .locator('[data-testid="readings-table"] tr[data-ts]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-ts')));
    expect(shownTs.length).toBeGreaterThan(0);
    const stored = new Set(readings.items.map((r) => r.ts));
    expect(shownTs.every((ts) => ts !== null && stored.has(ts))).toBe(true);
    await page.close();
  });
});

describe('the reports view', () => {
  it('downloads the CSV the API serves, shows the closed revision with its digest, and submits it', async () => {
    const page = await openPage(`#/reports/${INSTITUTION}`);
    await waitForView(page, 'reports');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="report-downloads"] button[data-format="csv"]').click(),
    ]);
    // Both decoded keeping the byte-order mark the service writes (Excel needs it to read UTF-8).
    const decode = (bytes: ArrayBuffer | Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const saved = decode(readFileSync(await download.path()));
    const response = await fetch(
      `${service.url}/api/v1/reports/carbon?org=${INSTITUTION}&period=${PERIOD}&format=csv&lang=zh`,
      { headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` } },
    );
    const served = decode(await response.arrayBuffer());
    const linesOf = (csv: string) => csv.split('\n');
    expect(linesOf(saved)[0]).toBe(linesOf(served)[0]);
    // The same report but for the instant it was generated at.
    const generated = /^"生成时间",/;
    expect(linesOf(saved).filter((l) => !generated.test(l))).toEqual(linesOf(served).filter((l) => !generated.test(l)));
    expect(download.suggestedFilename()).toContain(`${INSTITUTION}-${PERIOD}`);

    const revision = page.locator(`[data-testid="revisions"] tr[data-revision="${closed.revision}"]`);
    expect(await revision.locator('[data-testid="digest"]').innerText()).toBe(closed.digest);

    const row = page.locator(`[data-testid="review-table"] tr[data-org="${INSTITUTION}"]`);
    await row.locator('button[data-step="submit"]').click();
    const confirm = page.locator('form[data-step="submit"]');
    await eventually(async () => expect(await focused(page)).toBe('submit'));
    await confirm.locator('button[type="submit"]').click();
    await page.locator(`[data-testid="review-table"] tr[data-org="${INSTITUTION}"][data-status="submitted"]`).waitFor();
    const status = await call<{ items: { org: string; status: string; revision: number | null; digest: string }[] }>(
      'GET',
      `/periods?org=${INSTITUTION}&period=${PERIOD}`,
    );
    expect(status.items.find((i) => i.org === INSTITUTION)).toMatchObject({
      status: 'submitted',
      revision: closed.revision,
      digest: closed.digest,
    });
    expect(await page.locator('#ops-review-answer').innerText()).not.toBe('');
    await page.close();
  });
});

describe('accessibility', () => {
  for (const lang of LANGS) {
    it(`has no serious or critical axe-core violation in the ops views (${lang})`, async () => {
      const page = await openPage(`#/alerts/${INSTITUTION}`, lang);
      for (const view of OPS_VIEWS) {
        await page.goto(`${service.url}/#/${view}/${INSTITUTION}`);
        await waitForView(page, view, 600_000);
        expect(await seriousAxeViolations(page), `${view} (${lang})`).toEqual([]);
      }
      await page.close();
    });
  }
});
