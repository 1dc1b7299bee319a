/**
 * Dashboard benchmark (issue 10, item 3): the JavaScript the page sends (every built .js file under
 * dist/dashboard, gzipped with zlib at level 9, as a server or proxy would send it) and the time to interactive
 * of the first view on the demo fleet: from navigation start to the first view's data rendered (its data-ready
 * attribute), logged in already (the token in sessionStorage), the median of N cold loads (a fresh browser
 * context each: empty cache, nothing kept). Reports; never asserts.
 *
 *   npm run bench:dashboard -- [--loads 5] [--url http://127.0.0.1:8080 --token tnh_…] [--backfill-days 35]
 *
 * Without --url it starts the demo service (tests/browser/support/demo-service.ts) and waits for its backfill.
 * Prints a table and writes bench/results/dashboard-<time>.json.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { launchBrowser, waitForView, type BrowserGlobals } from '../../tests/browser/support/browser.js';
import { openDashboardTarget } from '../../tests/browser/support/dashboard-target.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'dist', 'dashboard');
const BUDGET_GZIP_BYTES = 400 * 1024;
const TTI_GOAL_MS = 1000;

const { values } = parseArgs({ options: { loads: { type: 'string', default: '5' } }, strict: false });
const loads = Number(values.loads);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const scripts = files(DIST)
  .filter((f) => f.endsWith('.js'))
  .map((f) => {
    const bytes = readFileSync(f);
    return { file: relative(DIST, f), rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
if (scripts.length === 0) throw new Error('no built JavaScript in dist/dashboard: run npm run build:dashboard');
const jsGzipBytes = scripts.reduce((sum, s) => sum + s.gzipBytes, 0);
const jsRawBytes = scripts.reduce((sum, s) => sum + s.rawBytes, 0);

const target = await openDashboardTarget(process.argv.slice(2));
const browser = await launchBrowser();
const samplesMs: number[] = [];
let firstView = '';
let firstOrg = '';
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.addInitScript(
      (token) => (globalThis as unknown as BrowserGlobals).sessionStorage.setItem('tanhe.token', token),
      target.token,
    );
    const page = await context.newPage();
    await page.goto(`${target.url}/`);
    await page.locator('section[data-view]').waitFor({ timeout: 300_000 });
    firstView = (await page.locator('section[data-view]').getAttribute('data-view')) ?? '';
    await waitForView(page, firstView, 300_000);
    // performance.now() counts from the navigation's start.
    const elapsedMs = await page.evaluate(() =>
      (globalThis as unknown as { performance: { now(): number } }).performance.now(),
    );
    firstOrg = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    samplesMs.push(Math.round(elapsedMs));
    await context.close();
  }
} finally {
  await browser.close();
  await target.close();
}

const sorted = [...samplesMs].sort((a, b) => a - b);
const medianMs = sorted[Math.floor(sorted.length / 2)] ?? NaN;
const result = {
  at: new Date().toISOString(),
  target: target.description,
  machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] ?? NaN },
  js: { files: scripts, rawBytes: jsRawBytes, gzipBytes: jsGzipBytes, budgetGzipBytes: BUDGET_GZIP_BYTES },
  timeToInteractive: { view: firstView, org: firstOrg, loads, samplesMs, medianMs, goalMs: TTI_GOAL_MS },
};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `dashboard bench — ${result.target}; load average ${result.machine.loadAverage1m.toFixed(2)} on ` +
    `${result.machine.cpus} cores`,
);
console.table([
  { measure: 'JS sent (gzip)', value: kb(jsGzipBytes), goal: `≤ ${kb(BUDGET_GZIP_BYTES)}` },
  { measure: 'JS built (raw)', value: kb(jsRawBytes), goal: '' },
  {
    measure: `time to interactive, ${firstView} of ${firstOrg} (median of ${loads})`,
    value: `${medianMs} ms`,
    goal: `≤ ${TTI_GOAL_MS} ms`,
  },
  { measure: 'samples', value: samplesMs.join(', '), goal: '' },
]);
const outDir = join(ROOT, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `dashboard-${result.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${relative(ROOT, outFile)}`);
