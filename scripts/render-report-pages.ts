/**
 * Renders the demo region's monthly carbon report as PDF, in Chinese and in
 * English, and its pages as PNG images for docs/printable-report.md:
 *
 *   node --import tsx scripts/render-report-pages.ts [--org nx] [--period 2026-10] [--out docs/report-pages]
 *   node --import tsx scripts/render-report-pages.ts --report report.json --out /tmp/pages
 *
 * The data: the demo fleet (config/demo.yaml) and its simulator's readings,
 * faults included, for the month and a few days around it, through ingest's
 * own message processing into an in-memory DuckDB, as the service would store
 * them; then the report as GET /api/v1/reports/carbon computes it, the HTML
 * (accounting/core/report-html.ts), Chromium's PDF (src/platform/browser) and
 * `pdftoppm -png -r 70` (poppler-utils). Writes <out>/zh-1.png … and
 * <out>/en-1.png …, removing the previous images first; with --keep-pdf the
 * PDFs, the HTML and the report's JSON stay in <out> too (not committed);
 * --report renders a report fetched from the API instead. Needs chromium,
 * fonts-noto-cjk and poppler-utils (scripts/provision.sh installs them).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  carbonReportHtml,
  createCarbonReportQuery,
  createFleetView,
  METHODOLOGY_VERSION,
  REPORT_LANGS,
  type CarbonReport,
} from '../accounting/index.js';
import { createFleetRegistry, readFactorCatalogue } from '../config/index.js';
import { processMessage } from '../ingest/index.js';
import { DAY_MS, MINUTE_MS, periodRange, type QuarantineRecord, type Reading } from '../src/kernel/index.js';
import { loadAppConfig } from '../src/load-app-config.js';
import { createPdfRenderer } from '../src/platform/browser/index.js';
import {
  createEncoder,
  DEMO_REGISTER_ORIGIN_MS,
  faultsFor,
  generateReadings,
  type SimReading,
} from '../src/simulator/core/index.js';
import { createStores } from '../src/wire-stores.js';

const { values: flags } = parseArgs({
  options: {
    org: { type: 'string', default: 'nx' },
    period: { type: 'string', default: '2026-10' },
    out: { type: 'string', default: 'docs/report-pages' },
    'keep-pdf': { type: 'boolean', default: false },
    /** A report as GET /api/v1/reports/carbon?format=json answers it: rendered as it is, no simulation. */
    report: { type: 'string' },
  },
});

const INTERVAL_MS = 15 * MINUTE_MS;
const TIME_ZONE = 'Asia/Shanghai';

async function main() {
  const report =
    flags.report === undefined
      ? await simulatedReport()
      : (JSON.parse(readFileSync(flags.report, 'utf8')) as CarbonReport);
  const out = resolve(flags.out);
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(out))
    if (/^(zh|en)-(\d+\.png|report\.(pdf|html))$/.test(file)) rmSync(join(out, file));
  if (flags['keep-pdf']) writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2));
  const renderer = createPdfRenderer();
  try {
    for (const lang of REPORT_LANGS) {
      const html = carbonReportHtml(report, { lang });
      const pdf = await renderer.render(html, { footer: `${report.org.name} · ${report.period.label}` });
      const pdfFile = join(out, `${lang}-report.pdf`);
      writeFileSync(pdfFile, pdf);
      execFileSync('pdftoppm', ['-png', '-r', '70', pdfFile, join(out, lang)]);
      // pdftoppm pads page numbers to the page count's width (zh-01.png from 10 pages on): unpad.
      for (const file of readdirSync(out)) {
        const m = new RegExp(`^${lang}-0*(\\d+)\\.png$`).exec(file);
        if (m !== null && file !== `${lang}-${m[1]}.png`) renameSync(join(out, file), join(out, `${lang}-${m[1]}.png`));
      }
      if (flags['keep-pdf']) writeFileSync(join(out, `${lang}-report.html`), html);
      else rmSync(pdfFile);
      const pages = readdirSync(out).filter((f) => new RegExp(`^${lang}-\\d+\\.png$`).test(f)).length;
      console.log(`${lang}: ${pdf.length} bytes of PDF, ${pages} page(s) in ${out}`);
    }
  } finally {
    await renderer.close();
  }
}

/** The demo region's report over simulated readings stored as the service stores them. */
async function simulatedReport(): Promise<CarbonReport> {
  const range = periodRange(flags.period, TIME_ZONE);
  if (range === undefined) throw new Error(`--period ${flags.period} is not YYYY-MM or YYYY`);
  const loaded = loadAppConfig('config/demo.yaml', {});
  const config = { ...loaded, store: { ...loaded.store, kind: 'duckdb' as const, duckdbPath: ':memory:' } };
  const stores = createStores(config);
  await stores.init();
  // The report is generated two days after the period ends: the month is finished, its data in.
  const nowMs = range.toMs + 2 * DAY_MS;
  try {
    await loadReadings(config, range.fromMs - 3 * DAY_MS, nowMs);
    const query = createCarbonReportQuery({
      store: stores.accounting,
      fleet: createFleetView(config.fleet),
      catalogue: readFactorCatalogue(config),
      methodologyVersion: METHODOLOGY_VERSION,
      nowMs: () => nowMs,
    });
    const { report } = await query({ orgId: flags.org, period: flags.period, basis: 'equivalent' });
    return report;
  } finally {
    await stores.close();
  }

  /** The simulator's messages through ingest's own processing into the store (as demo-faults.test.ts does). */
  async function loadReadings(app: typeof config, fromMs: number, toMs: number) {
    const directory = createFleetRegistry(app.fleet);
    const encoder = createEncoder(app.fleet);
    const readings: Reading[] = [];
    const quarantined: QuarantineRecord[] = [];
    let id = 0;
    const receivedAtMs = toMs;
    const receive = (topic: string, payload: string) => {
      const outcome = processMessage(topic, new TextEncoder().encode(payload), {
        directory,
        topics: app.mqtt.topics,
        limits: app.ingest,
        nowMs: receivedAtMs,
      });
      for (const item of outcome.accepted) readings.push({ ...item, receivedAtMs, quality: 'ok' });
      for (const r of outcome.rejected) quarantined.push({ id: `pages-${++id}`, receivedAtMs, topic, ...r });
    };
    const events = generateReadings({
      fleet: app.fleet,
      seed: app.simulator.seed,
      fromMs,
      toMs,
      intervalMs: INTERVAL_MS,
      registerOriginMs: DEMO_REGISTER_ORIGIN_MS,
      faults: faultsFor(app.simulator.faults),
      skewBaseMs: receivedAtMs,
    });
    for (const e of events) {
      if (e.kind === 'dropped') continue;
      const messages = e.kind === 'reading' ? encoder.encode([e as SimReading]) : [encoder.encodeMalformed(e)];
      for (const m of messages) receive(m.topic, m.payload);
    }
    for (let k = 0; k < readings.length; k += 20_000) await stores.readings.write(readings.slice(k, k + 20_000), []);
    await stores.readings.write([], quarantined);
    await stores.readings.sync();
    console.log(`${readings.length} readings and ${quarantined.length} quarantined payloads stored`);
  }
}

await main();
