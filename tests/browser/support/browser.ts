import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/provision.sh installs it); a browser is never downloaded. */
export const CHROMIUM_PATH = process.env.TANHE_CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** The errors a page reported (uncaught exceptions, console errors, CSP refusals), for a test to assert none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** Logs in through the login page with a token and waits for the shell (the org tree). */
export async function logIn(page: Page, baseUrl: string, token: string, hash = ''): Promise<void> {
  await page.goto(`${baseUrl}/${hash}`);
  await page.getByLabel(/API 令牌|API token/).fill(token);
  await page.locator('form.login-card button[type=submit]').click();
  await page.locator('[role=tree]').waitFor();
}

/**
 * Waits until the shown view has rendered its main content (the data-ready convention of
 * src/dashboard/views/dashboard-view.ts): what bench/dashboard times as the first view's time to interactive.
 */
export async function waitForView(page: Page, viewId: string, timeoutMs = 300_000): Promise<void> {
  await page.locator(`section[data-view="${viewId}"] [data-ready="true"]`).first().waitFor({ timeout: timeoutMs });
}

/**
 * Waits until the shown view has rendered everything: its main content (waitForView), the panels it loads
 * after it, which carry aria-busy="true" while they load (the same convention), and every chart drawn (charts
 * are drawn one per task after the data is shown, src/dashboard/charts/draw-queue.ts; a drawn one carries
 * data-drawn).
 */
export async function waitForViewComplete(page: Page, viewId: string, timeoutMs = 300_000): Promise<void> {
  const startedMs = Date.now();
  const left = () => Math.max(1, timeoutMs - (Date.now() - startedMs));
  await waitForView(page, viewId, timeoutMs);
  const busy = page.locator(`section[data-view="${viewId}"] [aria-busy="true"]`).first();
  await busy.waitFor({ state: 'detached', timeout: left() });
  const undrawn = page.locator(`section[data-view="${viewId}"] .chart:not([data-drawn])`).first();
  await undrawn.waitFor({ state: 'detached', timeout: left() });
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

interface AxeResult {
  violations: { id: string; impact?: string | null; help: string; nodes: { html: string }[] }[];
}

/**
 * axe-core in the page (the WCAG 2.0/2.1 A and AA rules); the violations of impact serious or critical.
 * Evaluated through the DevTools protocol, which the page's CSP does not govern: an injected <script> would be
 * refused, as it should be.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // In the page: its globals, which the Node-side types do not describe.
    const page = globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } };
    return (await page.axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })) as AxeResult;
  });
  return result.violations
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.html.slice(0, 200)),
    }))
    .filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Resolves after the page has painted twice more: ECharts draws on the frame after its option is set. */
export async function afterNextPaint(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const frame = (globalThis as unknown as { requestAnimationFrame(callback: () => void): void })
          .requestAnimationFrame;
        frame(() => frame(() => resolve()));
      }),
  );
}

/** The page's Web Storage, typed for the callbacks page.evaluate runs in the browser (Node's types lack it). */
interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}
export interface BrowserGlobals {
  readonly sessionStorage: WebStorage;
  readonly localStorage: WebStorage;
}
