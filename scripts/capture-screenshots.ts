/**
 * Screenshots of the dashboard with real demo data (issue 10): every entry of the navigation the page shows
 * (so every view registered in src/dashboard/views, the data and the ops views) × zh and en at 1366×768, into
 * docs/screenshots/<view>-<lang>.png, and one 1920×1080 overview (overview-<lang>.png). Each shot waits for the
 * view's data-ready attribute and for the panels it loads after its main content (waitForViewComplete).
 *
 *   npm run screenshots                                   # starts the demo service itself (temp dir, free ports)
 *   npm run screenshots -- --url http://127.0.0.1:8080 --token tnh_…   # a running service, e.g. npm start
 *   npm run screenshots -- --org yc-gov                   # the org unit shown (default: the tree's first node)
 *   npm run screenshots -- --only-returned                # only the returned submission (below)
 *
 * Last, a returned submission (reports-returned-<lang>.png): the school's last month closed, submitted and
 * returned with a reason through the API, as the administrator does, then the reports view of its district,
 * whose review table shows it returned. This changes the service's data: against a running service (--url) it
 * closes a real period, so it is taken only when the demo service started here (or with --only-returned).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  afterNextPaint,
  launchBrowser,
  logIn,
  waitForViewComplete,
  type BrowserGlobals,
} from '../tests/browser/support/browser.js';
import { openDashboardTarget } from '../tests/browser/support/dashboard-target.js';

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const LANGS = ['zh', 'en'] as const;

const { values } = parseArgs({
  options: { org: { type: 'string' }, url: { type: 'string' }, 'only-returned': { type: 'boolean' } },
  strict: false,
});
const onlyReturned = values['only-returned'] === true;
/** The institution whose submission is returned, and its district (the reports view shown). */
const RETURNED = { institution: 'yc-xq-school', district: 'nx-yc-xingqing' };

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

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${target.url}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
}

/** Close, submit and return the school's last month, then shoot its district's reports view in both languages. */
async function captureReturned(): Promise<void> {
  const { institution, district } = RETURNED;
  const period = previousMonth('Asia/Shanghai');
  const justification = 'screenshots: the demo fleet carries injected faults';
  await post('/periods/close', { org: institution, period, override: { justification } });
  await post(`/periods/${institution}/${period}/submit`, {});
  const reason = '电耗与上年同期差异较大，请核实后重新报送 (electricity far from last year: please check and resubmit)';
  await post(`/periods/${institution}/${period}/return`, { reason });
  for (const lang of LANGS) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
    await context.addInitScript(
      (l) => (globalThis as unknown as BrowserGlobals).localStorage.setItem('tanhe.lang', l),
      lang,
    );
    const page = await context.newPage();
    await logIn(page, target.url, target.token, `#/reports/${district}`);
    await waitForViewComplete(page, 'reports', 300_000);
    const row = page.locator(`[data-testid="review-table"] tr[data-org="${institution}"][data-status="returned"]`);
    await row.waitFor({ timeout: 300_000 });
    await row.scrollIntoViewIfNeeded();
    await afterNextPaint(page);
    await page.screenshot({ path: join(OUT_DIR, `reports-returned-${lang}.png`) });
    console.log(`  reports-returned-${lang}.png`);
    await context.close();
  }
}
const target = await openDashboardTarget(process.argv.slice(2));
const browser = await launchBrowser();
try {
  mkdirSync(OUT_DIR, { recursive: true });
  console.log(`screenshots of ${target.description} into ${OUT_DIR}`);
  for (const lang of onlyReturned ? [] : LANGS) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
    await context.addInitScript(
      (l) => (globalThis as unknown as BrowserGlobals).localStorage.setItem('tanhe.lang', l),
      lang,
    );
    const page = await context.newPage();
    await logIn(page, target.url, target.token);
    const org =
      typeof values.org === 'string'
        ? values.org
        : await page.locator('[role=treeitem]').first().getAttribute('data-org');
    const views = await page
      .locator('nav.tabs a[data-nav]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('data-nav') ?? ''));
    for (const viewId of views) {
      await page.goto(`${target.url}/#/${viewId}/${org}`);
      await waitForViewComplete(page, viewId, 300_000);
      await afterNextPaint(page);
      const file = join(OUT_DIR, `${viewId}-${lang}.png`);
      await page.screenshot({ path: file });
      console.log(`  ${viewId}-${lang}.png`);
    }
    const first = views[0];
    if (first !== undefined) {
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.goto(`${target.url}/#/${first}/${org}`);
      await waitForViewComplete(page, first, 300_000);
      await afterNextPaint(page);
      await page.screenshot({ path: join(OUT_DIR, `overview-${lang}.png`) });
      console.log(`  overview-${lang}.png (1920×1080)`);
    }
    await context.close();
  }
  if (onlyReturned || typeof values.url !== 'string') await captureReturned();
} finally {
  await browser.close();
  await target.close();
}
