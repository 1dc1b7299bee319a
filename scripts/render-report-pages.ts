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
 * pdftoppm's 70 dpi raster (poppler-utils), kept as palette PNGs. Writes <out>/zh-1.png … and
 * <out>/en-1.png …, removing the previous images first; with --keep-pdf the
 * PDFs, the HTML and the report's JSON stay in <out> too (not committed);
 * --report renders a report fetched from the API instead. Needs chromium,
 * fonts-noto-cjk and poppler-utils (scripts/provision.sh installs them).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
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
      // The 70 dpi raster as PPM, written here as palette PNGs: a page has a few hundred colours at most,
      // so the image is the one `pdftoppm -png -r 70` gives, at a third of the bytes.
      execFileSync('pdftoppm', ['-r', '70', pdfFile, join(out, lang)]);
      for (const file of readdirSync(out)) {
        // pdftoppm pads page numbers to the page count's width (zh-01.ppm from 10 pages on): unpad.
        const m = new RegExp(`^${lang}-0*(\\d+)\\.ppm$`).exec(file);
        if (m === null) continue;
        writeFileSync(join(out, `${lang}-${m[1]}.png`), palettePng(readFileSync(join(out, file))));
        rmSync(join(out, file));
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

/**
 * A binary PPM (P6, 8 bits) as an 8-bit palette PNG: the page's colours by frequency, at most 256; were
 * there more, each other colour would take its nearest palette colour.
 */
function palettePng(ppm: Buffer): Buffer {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 64).toString('latin1'));
  if (header === null) throw new Error('pdftoppm wrote no 8-bit P6 image');
  const [width, height] = [Number(header[1]), Number(header[2])];
  const pixels = ppm.subarray(header[0].length);
  const rgb = (i: number) => ((pixels[3 * i] ?? 0) << 16) | ((pixels[3 * i + 1] ?? 0) << 8) | (pixels[3 * i + 2] ?? 0);
  const counts = new Map<number, number>();
  for (let i = 0; i < width * height; i++) counts.set(rgb(i), (counts.get(rgb(i)) ?? 0) + 1);
  const palette = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 256)
    .map(([colour]) => colour);
  const index = new Map(palette.map((colour, k) => [colour, k]));
  const nearest = (colour: number): number => {
    let best = 0;
    let bestDistance = Infinity;
    palette.forEach((p, k) => {
      const d = [16, 8, 0].reduce((sum, shift) => sum + (((colour >> shift) & 255) - ((p >> shift) & 255)) ** 2, 0);
      if (d < bestDistance) [best, bestDistance] = [k, d];
    });
    index.set(colour, best);
    return best;
  };
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter type 0 (none) per row: deflate does well enough on palette indices.
    for (let x = 0; x < width; x++) {
      const colour = rgb(y * width + x);
      rows[y * (width + 1) + 1 + x] = index.get(colour) ?? nearest(colour);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (palette), deflate, no filter method, no interlace
  const plte = Buffer.from(palette.flatMap((colour) => [(colour >> 16) & 255, (colour >> 8) & 255, colour & 255]));
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const frame = Buffer.alloc(8 + body.length);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(crc32(body), 4 + body.length);
    return frame;
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

await main();
