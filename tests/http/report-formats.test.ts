import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../accounting/index.js';
import { fleetSchema } from '../../config/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { createTestHttpApp, type TestHttpApp } from '../support/http-app.js';

// The carbon report's formats over a real in-memory DuckDB, the PDF from the real Chromium
// (/usr/bin/chromium, scripts/provision.sh) and checked with poppler's pdftotext and pdffonts.
const MINUTE = 60_000;
const LOCAL_OCT_1 = Date.parse('2026-10-01T00:00:00+08:00');
const NOW = Date.parse('2026-11-05T00:00:00Z');
const URL = '/api/v1/reports/carbon?org=yc&period=2026-10';

const fleet = fleetSchema.parse({
  orgs: [{ id: 'yc', name: '银川市', level: 'city' }],
  institutions: [
    {
      id: 'yc-school',
      name: '银川市第一中学',
      org: 'yc',
      type: 'school',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 8_000 }],
      occupants: [{ from: '2020-01-01', value: 1_200 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'yc-school', name: '教学楼' }],
  meters: [
    { id: 'e1', building: 'b1', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
    { id: 'e1-light', building: 'b1', carrier: 'electricity', unit: 'kWh', parent: 'e1', endUse: '01A00' },
    { id: 'w1', building: 'b1', carrier: 'water', unit: 'm3', endUse: '02000' },
  ],
});

/** Quarter-hourly readings over the first three local days of October. */
const series = (meterId: string, value: (i: number) => number): Reading[] =>
  Array.from({ length: 3 * 96 + 1 }, (_, i) => ({
    meterId,
    tsMs: LOCAL_OCT_1 + i * 15 * MINUTE,
    value: value(i),
    seq: i,
    receivedAtMs: LOCAL_OCT_1 + i * 15 * MINUTE + 500,
    quality: 'ok' as const,
  }));

let testApp: TestHttpApp;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tanhe-report-'));
  testApp = await createTestHttpApp({ fleet, nowMs: NOW });
  await testApp.store.write(
    [...series('e1', (i) => 1000 + i * 3.25), ...series('e1-light', (i) => 50 + i), ...series('w1', (i) => i * 0.02)],
    [],
  );
});
afterAll(async () => {
  await testApp.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string) => testApp.app.inject({ method: 'GET', url });

describe('GET /api/v1/reports/carbon formats', () => {
  it('answers json, csv, html and xlsx with their content types and file names', async () => {
    const json = await get(URL);
    expect(json.statusCode, json.body).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const report = json.json<{ totals: { kgce: number; co2eKg: number }; org: { name: string } }>();
    expect(report.totals.kgce).toBeGreaterThan(0);

    const csv = await get(`${URL}&format=csv`);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="carbon-report-yc-2026-10.csv"');

    const html = await get(`${URL}&format=html&lang=en`);
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-disposition']).toBe('inline; filename="carbon-report-yc-2026-10.html"');
    expect(html.body).toContain('<html lang="en-GB">');
    expect(html.body).toContain(`data-value="${report.totals.kgce}" data-field="totals.kgce"`);
    expect(html.body).toContain(`data-value="${report.totals.co2eKg}" data-field="totals.co2eKg"`);

    const xlsx = await get(`${URL}&format=xlsx`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(xlsx.headers['content-disposition']).toBe('attachment; filename="carbon-report-yc-2026-10.xlsx"');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const summary = workbook.getWorksheet(LABELS.zh.sheets.summary);
    const kgceRow = summary?.getColumn(1).values.indexOf(LABELS.zh.summaryHeader[2]) ?? -1;
    expect(summary?.getCell(kgceRow, 2).value).toBe(report.totals.kgce);
  });

  it('answers a PDF from Chromium: Chinese text extractable, every font embedded', async () => {
    const pdf = await get(`${URL}&format=pdf`);
    expect(pdf.statusCode, pdf.body).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe('attachment; filename="carbon-report-yc-2026-10.pdf"');
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = join(dir, 'report.pdf');
    writeFileSync(file, pdf.rawPayload);

    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('碳核 公共机构能耗与碳排放报告');
    expect(text).toContain('银川市');
    expect(text).toContain('未关账——数字可能变动');

    // pdffonts: name type encoding emb sub uni object-id. Chromium (Skia) writes a CFF font such as
    // Noto Sans CJK as Type 3 glyph procedures, unnamed: the Chinese text above comes from embedded
    // fonts when every font listed is embedded and maps to Unicode.
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' })
      .split('\n')
      .slice(2)
      .filter((line) => line.trim() !== '')
      .map((line) => line.trim().split(/\s+/).slice(-5, -2));
    expect(fonts.length).toBeGreaterThan(0);
    for (const [emb, , uni] of fonts) {
      expect(emb).toBe('yes');
      expect(uni).toBe('yes');
    }
  });

  it('refuses another format with BAD_FORMAT', async () => {
    const response = await get(`${URL}&format=docx`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'BAD_FORMAT' });
  });

  it('answers 503 PDF_RENDERER_UNAVAILABLE without Chromium; the other formats still work', async () => {
    const noBrowser = await createTestHttpApp({ fleet, nowMs: NOW, chromiumPath: join(dir, 'no-chromium') });
    try {
      const pdf = await noBrowser.app.inject({ method: 'GET', url: `${URL}&format=pdf` });
      expect(pdf.statusCode).toBe(503);
      expect(pdf.json()).toMatchObject({ code: 'PDF_RENDERER_UNAVAILABLE' });
      const html = await noBrowser.app.inject({ method: 'GET', url: `${URL}&format=html` });
      expect(html.statusCode).toBe(200);
    } finally {
      await noBrowser.close();
    }
  });
});
