import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import {
  collectPageErrors,
  launchBrowser,
  logIn,
  seriousAxeViolations,
  waitForView,
  waitForViewComplete,
  type AxeViolation,
  type BrowserGlobals,
} from './support/browser.js';
import { DEMO_ADMIN_TOKEN, startDemoService, type DemoService } from './support/demo-service.js';

// The dashboard in Debian's Chromium against the real service on the demo fleet (embedded broker, DuckDB, the
// simulator's backfill): the login, the org tree by mouse and keyboard, each data view with its figures, the
// language switch, axe-core on every view, and refused tokens. One service and one browser for the file.

const DATA_VIEWS = ['consumption', 'quotas', 'carbon'] as const;
const WAIT_MS = 300_000;

let dir: string;
let service: DemoService;
let browser: Browser;

beforeAll(async () => {
  dir = await makeTempDir('dashboard');
  service = await startDemoService(dir);
  // The figures exist once the simulator's backfill is published and stored (the region's electricity).
  await eventually(
    async () => {
      if (!service.process.readLog().includes('simulator backfill published')) throw new Error('backfill running');
      const answer = await service.api<{ series: { carrier: string; totals: { consumption: number } }[] }>(
        '/consumption?org=nx&bucket=day',
      );
      const electricity = answer.series.find((s) => s.carrier === 'electricity');
      if (!electricity || electricity.totals.consumption <= 0) throw new Error('no electricity stored yet');
    },
    { timeoutMs: 600_000, intervalMs: 2_000, signal: service.died },
  );
  browser = await launchBrowser();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (dir) await removeTempDir(dir);
});

async function newPage(lang: 'zh' | 'en' = 'zh'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  // The machine the suite runs on may be loaded: a region's annual report can take minutes there. Generous
  // waits, never a fixed sleep: each wait ends as soon as its element is there.
  page.setDefaultTimeout(WAIT_MS);
  const errors = collectPageErrors(page);
  if (lang === 'en')
    await page.addInitScript(() => (globalThis as unknown as BrowserGlobals).localStorage.setItem('tanhe.lang', 'en'));
  return { page, errors };
}

const focusedOrg = (page: Page) => page.locator(':focus').getAttribute('data-org');

const describeViolations = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help} ${v.nodes.join(' | ')}`);

describe('the dashboard in a real browser', { timeout: 1_800_000 }, () => {
  it('refuses a wrong token at the login and sends a session whose token fails back to it', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${service.url}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.getByLabel('API 令牌').fill(`tnh_0123456789abcdef_${'Z'.repeat(43)}`);
    await page.locator('form.login-card button[type=submit]').click();
    const notice = page.getByTestId('login-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('UNAUTHENTICATED');
    expect(await page.locator('[role=tree]').count()).toBe(0);

    // A token kept from before that no longer works (here: never did) returns to the login on the next load.
    await page.evaluate(() =>
      (globalThis as unknown as BrowserGlobals).sessionStorage.setItem('tanhe.token', 'tnh_badbadbadbadbad0_nothing'),
    );
    await page.reload();
    await notice.waitFor();
    expect(await notice.textContent()).toContain('UNAUTHENTICATED');
    expect(
      await page.evaluate(() => (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('tanhe.token')),
    ).toBeNull();
    // The 401s themselves are the only console errors (the browser logs failed requests).
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
    await page.context().close();
  });

  it('logs in, shows the role and scope, and walks the org tree by mouse and keyboard', async () => {
    const { page, errors } = await newPage();
    await logIn(page, service.url, DEMO_ADMIN_TOKEN);
    expect(await page.getByTestId('session').locator('[data-role]').getAttribute('data-role')).toBe('administrator');
    expect(await page.getByTestId('session').locator('[data-scope]').textContent()).toBe('全部机构');
    // The first view of the first org: the hash names both.
    await eventually(() => expect(page.url()).toMatch(/#\/consumption\/nx$/));
    const item = (id: string) => page.locator(`[role=treeitem][data-org="${id}"]`);
    // The tree renders the hash's org in the frame after the hash changed: wait for it, do not race it.
    await eventually(async () => expect(await item('nx').getAttribute('aria-selected')).toBe('true'));
    await eventually(async () => expect(await item('nx').getAttribute('aria-expanded')).toBe('true'));

    // Keyboard: focus the region, down to 银川市, open it, down to 金凤区, Enter selects it.
    await item('nx').focus();
    await page.keyboard.press('ArrowDown');
    await eventually(async () => expect(await focusedOrg(page)).toBe('nx-yinchuan'));
    await eventually(async () => expect(await item('nx-yinchuan').getAttribute('aria-expanded')).toBe('false'));
    await page.keyboard.press('ArrowRight');
    await eventually(async () => expect(await item('nx-yinchuan').getAttribute('aria-expanded')).toBe('true'));
    await page.keyboard.press('ArrowDown');
    await eventually(async () => expect(await focusedOrg(page)).toBe('nx-yc-jinfeng'));
    await page.keyboard.press('Enter');
    await eventually(() => expect(page.url()).toMatch(/#\/consumption\/nx-yc-jinfeng$/));
    await eventually(async () => expect(await item('nx-yc-jinfeng').getAttribute('aria-selected')).toBe('true'));
    // One tab stop: only the focused item is in the tab order.
    expect(await page.locator('[role=treeitem][tabindex="0"]').count()).toBe(1);
    await page.keyboard.press('ArrowLeft');
    await eventually(async () => expect(await focusedOrg(page)).toBe('nx-yinchuan'));

    // Mouse: open 金凤区 and click its institution; the view title names it.
    // A click on the selected node opens or closes it.
    await item('nx-yc-jinfeng').click();
    await item('yc-gov').click();
    await eventually(() => expect(page.url()).toMatch(/#\/consumption\/yc-gov$/));
    await eventually(async () =>
      expect(await page.locator('#view-title').textContent()).toContain('银川市级机关行政中心'),
    );
    await waitForView(page, 'consumption');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows each data view with its figures, and axe-core finds no serious or critical violation', async () => {
    const { page, errors } = await newPage();
    await logIn(page, service.url, DEMO_ADMIN_TOKEN, '#/consumption/nx');
    const seen: Record<string, string[]> = {};
    for (const viewId of DATA_VIEWS) {
      await page.locator(`nav.tabs a[data-nav="${viewId}"]`).click();
      await eventually(() => expect(page.url()).toMatch(new RegExp(`#/${viewId}/nx$`)));
      // Everything, the consumption view's end-use panel (loaded after its main content) too: axe sees it all.
      await waitForViewComplete(page, viewId);
      const view = page.locator(`section[data-view="${viewId}"]`);
      expect(await view.locator('.error-box').count()).toBe(0);
      if (viewId === 'consumption')
        expect(await view.locator('[data-part="end-uses"] .chart[role=img]').count()).toBe(1);
      // Every chart has a text equivalent: its label, and a table folded under it.
      const charts = view.locator('.chart[role=img]');
      expect(await charts.count()).toBeGreaterThan(0);
      for (const label of await charts.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))) {
        expect(label.length).toBeGreaterThan(5);
      }
      seen[viewId] = describeViolations(await seriousAxeViolations(page));
    }
    expect(seen).toEqual({ consumption: [], quotas: [], carbon: [] });

    // The figures of each view: carriers with each bucket's quality; quotas and the four intensities; scopes.
    await page.locator('nav.tabs a[data-nav="consumption"]').click();
    await waitForView(page, 'consumption');
    const consumption = page.locator('section[data-view="consumption"]');
    expect(await consumption.locator('[data-carrier="electricity"]').count()).toBe(1);
    const qualities = await consumption
      .locator('[data-quality]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-quality')));
    expect(qualities.length).toBeGreaterThan(0);
    for (const quality of qualities)
      expect(['measured', 'estimated', 'partial', 'no_data', 'quarantined']).toContain(quality);
    await consumption.locator('select#bucket').selectOption('month');
    await waitForView(page, 'consumption');
    expect(await consumption.locator('[data-carrier="electricity"] tbody tr').count()).toBeGreaterThan(0);

    await page.locator('nav.tabs a[data-nav="quotas"]').click();
    await waitForView(page, 'quotas');
    const quotas = page.locator('section[data-view="quotas"]');
    expect(await quotas.locator('[data-quota]').count()).toBe(4);
    expect(await quotas.locator('[data-indicator]').count()).toBe(4);

    await page.locator('nav.tabs a[data-nav="carbon"]').click();
    await waitForView(page, 'carbon');
    const carbon = page.locator('section[data-view="carbon"]');
    expect(await carbon.locator('[data-scope-total]').count()).toBe(3);
    // The page's CSP (scripts and styles from 'self' only) refused nothing ECharts or Preact do.
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('asks for the end-use panel reports only once the carrier series are shown, with its own loading state', async () => {
    const { page, errors } = await newPage();
    // The order the page's requests start and finish in (the DevTools protocol's events, in order).
    const events: string[] = [];
    const kind = (url: string) => new URL(url).pathname.replace('/api/v1/', '');
    page.on('request', (request) => events.push(`start ${kind(request.url())}`));
    page.on('requestfinished', (request) => events.push(`end ${kind(request.url())}`));
    await logIn(page, service.url, DEMO_ADMIN_TOKEN, '#/consumption/nx');
    await waitForView(page, 'consumption');
    const view = page.locator('section[data-view="consumption"]');
    // The main content is there: the carriers with each bucket's quality.
    expect(await view.locator('[data-carrier="electricity"] [data-quality]').count()).toBeGreaterThan(0);
    await waitForViewComplete(page, 'consumption');
    expect(await view.locator('[data-part="end-uses"][aria-busy]').count()).toBe(0);
    expect(await view.locator('[data-part="end-uses"] .chart[role=img]').count()).toBe(1);
    const seriesDone = events.indexOf('end consumption');
    const reports = events.flatMap((e, i) => (e === 'start reports/carbon' ? [i] : []));
    expect(reports).toHaveLength(3);
    expect(seriesDone).toBeGreaterThanOrEqual(0);
    for (const i of reports) expect(i).toBeGreaterThan(seriesDone);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('switches to English: English labels, en-GB dates and numbers, <html lang> and the choice remembered', async () => {
    const { page, errors } = await newPage();
    await logIn(page, service.url, DEMO_ADMIN_TOKEN, '#/consumption/yc-gov');
    await waitForView(page, 'consumption');
    await page.locator('button[data-lang="en"]').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en-GB');
    expect(await page.locator('nav.tabs a[data-nav="consumption"]').textContent()).toBe('Consumption');
    expect(await page.locator('nav.tabs a[data-nav="carbon"]').textContent()).toBe('Carbon');
    expect(await page.getByTestId('session').locator('[data-role]').textContent()).toBe('Administrator');
    const firstDay = page.locator('section[data-view="consumption"] [data-carrier="electricity"] tbody th').first();
    // en-GB writes a day as "1 Nov 2026" (zh-CN: 2026年11月1日).
    expect(await firstDay.textContent()).toMatch(/^\d{1,2} [A-Z][a-z]{2,3} \d{4}$/);
    expect(await page.locator('section[data-view="consumption"] [data-quality]').first().textContent()).toMatch(
      /^(measured|estimated|partial|no data|held for review)$/,
    );

    await page.locator('nav.tabs a[data-nav="carbon"]').click();
    await waitForView(page, 'carbon');
    const figure = page.locator('[data-scope-total="scope2Location"] .figure');
    // en-GB: a comma between thousands and a point before the decimals.
    expect(await figure.textContent()).toMatch(/^\d{1,3}(,\d{3})*(\.\d{1,2})? tCO₂e$/);
    expect(await page.locator('[data-scope-total="scope1"] .figure-label').textContent()).toBe('Scope 1 (direct)');

    await page.reload();
    await page.locator('[role=tree]').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en-GB');
    expect(describeViolations(await seriousAxeViolations(page))).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('cuts the tree to a scoped token and hides what its role may not read', async () => {
    const created = await fetch(`${service.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'browser-auditor', role: 'auditor', scope: 'nx-yc-jinfeng', expiresInDays: 1 }),
    });
    expect(created.status).toBe(200);
    const { secret } = (await created.json()) as { secret: string };
    const { page, errors } = await newPage();
    await logIn(page, service.url, secret);
    expect(await page.getByTestId('session').locator('[data-role]').getAttribute('data-role')).toBe('auditor');
    expect(await page.getByTestId('session').locator('[data-scope]').textContent()).toBe('金凤区');
    const orgs = await page.locator('[role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('data-org')));
    expect(orgs).toEqual(['nx-yc-jinfeng', 'yc-gov']);
    // An auditor reads reports, not quotas: the view says so instead of failing.
    await page.locator('nav.tabs a[data-nav="quotas"]').click();
    await waitForView(page, 'quotas');
    expect(await page.locator('section[data-view="quotas"] [data-quota]').count()).toBe(0);
    expect(await page.locator('section[data-view="quotas"] [data-indicator]').count()).toBe(4);
    await page.locator('button.logout').click();
    await page.getByLabel('API 令牌').waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as BrowserGlobals).sessionStorage.getItem('tanhe.token')),
    ).toBeNull();
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
