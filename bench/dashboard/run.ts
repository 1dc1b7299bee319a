/**
 * Dashboard benchmark (issue 10, item 3): the JavaScript the page sends (every built .js file under
 * dist/dashboard, gzipped with zlib at level 9, as a server or proxy would send it) and the time to interactive
 * of the first view on the demo fleet, logged in already (the token in sessionStorage), the median of N cold
 * loads (a fresh browser context each: empty cache, nothing kept). Reports; never asserts.
 *
 * Time to interactive: from navigation start until the first view's main content is rendered (its data-ready
 * attribute: for the consumption view, the series by carrier with each bucket's quality and tables) with the
 * first chart in view drawn, painted, and the page answers input (a task queued after the paint has run: the
 * main thread is free between the charts' draws). Recorded in the page
 * by a MutationObserver, not by polling from here. A panel the view loads after its main content (the
 * consumption view's 分项 end uses, three monthly carbon reports) is not in it, nor are the charts drawn after the
 * first: its own figure, "complete", is when no aria-busy is left in the view and every chart is drawn. Each load waits for complete before the next one starts, so that no
 * load's requests queue behind the previous load's.
 *
 *   npm run bench:dashboard -- [--loads 5] [--url http://127.0.0.1:8080 --token tnh_…] [--backfill-days 35] [--during-first-evaluation]
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
import { launchBrowser, waitForViewComplete, type BrowserGlobals } from '../../tests/browser/support/browser.js';
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

/** What the page records (the init script below), in ms from the navigation's start (performance.now()). */
interface PageMarks {
  readyMs?: number;
  /** The first chart in view drawn (or data-ready, in a view without a chart in view). */
  drawnMs?: number;
  interactiveMs?: number;
  completeMs?: number;
}

/** One step of a load before its time to interactive: a request (the page, a script, an API route) or a mark. */
interface Step {
  name: string;
  startMs: number;
  endMs: number;
}

/**
 * Where a load's time went: the document, each script and stylesheet, each API request that ended before the
 * view was interactive (resource timing, ms from the navigation's start; the path without its query), and the
 * page's own marks. Read in the page after the load; the breakdown printed is each step's median.
 */
function stepsOf(entries: readonly Step[], marks: PageMarks): Step[] {
  const interactiveMs = marks.interactiveMs ?? Infinity;
  const requests = entries.filter((e) => e.endMs <= interactiveMs);
  return [
    ...requests,
    { name: 'data-ready (rendered)', startMs: marks.readyMs ?? NaN, endMs: marks.readyMs ?? NaN },
    { name: 'first chart in view drawn', startMs: marks.drawnMs ?? NaN, endMs: marks.drawnMs ?? NaN },
    { name: 'interactive', startMs: marks.interactiveMs ?? NaN, endMs: marks.interactiveMs ?? NaN },
  ];
}

/**
 * Runs in the page before its scripts: watches the DOM for the first view's data-ready marker and, in a view with
 * charts in view, for the first of those drawn (the charts are drawn one per task after the data is shown, those in
 * view first: src/dashboard/charts/draw-queue.ts), lets two frames pass, then queues a task (a MessageChannel
 * message, which runs once the main thread is free) and notes when it runs; and notes when the view holds no
 * aria-busy and no chart still to draw.
 * Plain JavaScript text: a function here would be transpiled with helpers the page does not have.
 */
const RECORD_MARKS = `(() => {
  const marks = {};
  globalThis.tanheMarks = marks;
  const afterPaintAndTask = (note) =>
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => note(performance.now());
        channel.port2.postMessage(0);
      }),
    );
  const inView = (element) => {
    const box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
  };
  const observer = new MutationObserver(() => {
    const view = document.querySelector('section[data-view]');
    if (view === null) return;
    if (marks.readyMs === undefined && view.querySelector('[data-ready="true"]') !== null) {
      marks.readyMs = performance.now();
    }
    if (marks.readyMs === undefined) return;
    if (marks.drawnMs === undefined) {
      const charts = [...view.querySelectorAll('.chart')];
      const shown = charts.filter(inView);
      if (shown.length === 0 || shown.some((c) => c.hasAttribute('data-drawn'))) {
        marks.drawnMs = performance.now();
        afterPaintAndTask((ms) => (marks.interactiveMs = ms));
      }
    }
    const undrawn = view.querySelector('.chart:not([data-drawn])');
    if (view.querySelector('[aria-busy="true"]') === null && undrawn === null) {
      marks.completeMs = performance.now();
      observer.disconnect();
    }
  });
  const watched = ['data-ready', 'aria-busy', 'data-drawn'];
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: watched });
})();`;

const target = await openDashboardTarget(process.argv.slice(2));
const browser = await launchBrowser();
const samplesMs: number[] = [];
const completeSamplesMs: number[] = [];
const stepSamples = new Map<string, Step[]>();
let firstView = '';
let firstOrg = '';
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.addInitScript(
      (token) => (globalThis as unknown as BrowserGlobals).sessionStorage.setItem('tanhe.token', token),
      target.token,
    );
    await context.addInitScript({ content: RECORD_MARKS });
    const page = await context.newPage();
    await page.goto(`${target.url}/`);
    await page.locator('section[data-view]').waitFor({ timeout: 300_000 });
    firstView = (await page.locator('section[data-view]').getAttribute('data-view')) ?? '';
    await waitForViewComplete(page, firstView, 300_000);
    const marks = await page.waitForFunction(
      () => {
        const m = (globalThis as unknown as { tanheMarks?: PageMarks }).tanheMarks;
        return m?.interactiveMs !== undefined && m.completeMs !== undefined ? m : undefined;
      },
      undefined,
      { timeout: 300_000 },
    );
    const pageMarks = (await marks.jsonValue()) ?? {};
    const { interactiveMs = NaN, completeMs = NaN } = pageMarks;
    const entries = await page.evaluate(() => {
      // In the page: its Performance API, which the Node-side types describe only in part.
      interface Entry {
        name: string;
        startTime: number;
        responseEnd: number;
      }
      const timing = (globalThis as unknown as { performance: { getEntriesByType(type: string): Entry[] } })
        .performance;
      const [navigation] = timing.getEntriesByType('navigation');
      return [
        ...(navigation === undefined ? [] : [{ name: 'document', startMs: 0, endMs: navigation.responseEnd }]),
        ...timing.getEntriesByType('resource').map((r) => ({
          // A built asset without its content hash, so that the loads' steps line up.
          name: new URL(r.name).pathname.replace(/-[\w-]{8}\.(js|css)$/, '.$1'),
          startMs: r.startTime,
          endMs: r.responseEnd,
        })),
      ];
    });
    for (const step of stepsOf(entries, pageMarks)) {
      stepSamples.set(step.name, [...(stepSamples.get(step.name) ?? []), step]);
    }
    firstOrg = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    samplesMs.push(Math.round(interactiveMs));
    completeSamplesMs.push(Math.round(completeMs));
    await context.close();
  }
} finally {
  await browser.close();
  await target.close();
}

const median = (samples: readonly number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? NaN;
const medianMs = median(samplesMs);
const completeMedianMs = median(completeSamplesMs);
// Each step's median start and end, for the steps seen in most loads (a step of one load alone says little).
const steps = [...stepSamples]
  .filter(([, seen]) => seen.length * 2 > loads)
  .map(([name, seen]) => ({
    step: name,
    startMs: Math.round(median(seen.map((s) => s.startMs))),
    endMs: Math.round(median(seen.map((s) => s.endMs))),
    loads: seen.length,
  }))
  .sort((a, b) => a.endMs - b.endMs);
const result = {
  at: new Date().toISOString(),
  target: target.description,
  machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] ?? NaN },
  js: { files: scripts, rawBytes: jsRawBytes, gzipBytes: jsGzipBytes, budgetGzipBytes: BUDGET_GZIP_BYTES },
  timeToInteractive: { view: firstView, org: firstOrg, loads, samplesMs, medianMs, goalMs: TTI_GOAL_MS },
  complete: { samplesMs: completeSamplesMs, medianMs: completeMedianMs },
  breakdown: steps,
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
  { measure: `complete, with the panels loaded after (median)`, value: `${completeMedianMs} ms`, goal: '' },
  { measure: 'samples', value: completeSamplesMs.join(', '), goal: '' },
]);
console.log("before the first view is interactive (median of the loads; ms from the navigation's start):");
console.table(steps);
const outDir = join(ROOT, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `dashboard-${result.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${relative(ROOT, outFile)}`);
