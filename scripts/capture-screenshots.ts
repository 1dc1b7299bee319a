/**
 * Screenshots of the dashboard with real demo data (issue 10): every entry of the navigation the page shows
 * (so every view registered in src/dashboard/views, the data and the ops views) × zh and en at 1366×768, into
 * docs/screenshots/<view>-<lang>.png, and one 1920×1080 overview (overview-<lang>.png). Each shot waits for the
 * view's data-ready attribute and for the panels it loads after its main content (waitForViewComplete).
 *
 *   npm run screenshots                                   # starts the demo service itself (temp dir, free ports)
 *   npm run screenshots -- --url http://127.0.0.1:8080 --token tnh_…   # a running service, e.g. npm start
 *   npm run screenshots -- --org yc-gov                   # the org unit shown (default: the tree's first node)
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

const { values } = parseArgs({ options: { org: { type: 'string' } }, strict: false });
const target = await openDashboardTarget(process.argv.slice(2));
const browser = await launchBrowser();
try {
  mkdirSync(OUT_DIR, { recursive: true });
  console.log(`screenshots of ${target.description} into ${OUT_DIR}`);
  for (const lang of LANGS) {
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
} finally {
  await browser.close();
  await target.close();
}
