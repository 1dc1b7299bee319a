import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../config/factor-catalogue-schema.js';
import { periodRange } from '../src/kernel/index.js';
import {
  buildCarbonReport,
  LABELS,
  usedFactors,
  type CarbonReport,
  type FactorCatalogue,
  type MeterPeriodFigures,
} from './core/index.js';
import { carbonReportWorkbook } from './report-workbook.js';

const TZ = 'Asia/Shanghai';
const october = periodRange('2026-10', TZ)!;
const fig = (meterId: string, consumption: number): MeterPeriodFigures => ({
  meterId,
  consumption,
  estimatedAmount: consumption / 8,
  quarantinedAmount: 0,
  receivedReadings: 30,
  expectedReadings: 31,
  reviews: 0,
});

function report(): CarbonReport {
  const institution = (id: string, name: string, areaM2: number) => ({
    id,
    name,
    orgId: 'county',
    type: 'school',
    timeZone: TZ,
    gridRegion: 'northwest',
    floorAreaM2: [{ from: '2020-01-01', value: areaM2 }],
    occupants: [{ from: '2020-01-01', value: 800 }],
  });
  const result = buildCarbonReport({
    orgId: 'county',
    period: { label: '2026-10', fromMs: october.fromMs, toMs: october.toMs, timeZone: TZ },
    basis: 'equivalent',
    generatedAtMs: october.toMs,
    dataCutoffMs: october.toMs,
    orgs: [{ id: 'county', name: '东区', level: 'county', parentId: null }],
    institutions: [institution('school', '金城实验学校', 20_000), institution('clinic', '东区卫生院', 4_000)],
    meters: [
      { id: 'E1', institutionId: 'school', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
      { id: 'E1-light', institutionId: 'school', carrier: 'electricity', unit: 'kWh', endUse: '01A00', parentId: 'E1' },
      { id: 'W1', institutionId: 'school', carrier: 'water', unit: 'm3', endUse: '02000' },
      { id: 'E2', institutionId: 'clinic', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
    ],
    current: new Map(
      [fig('E1', 18_300.456), fig('E1-light', 9_000.25), fig('W1', 297.125), fig('E2', 4_321.5)].map((f) => [
        f.meterId,
        f,
      ]),
    ),
    catalogue: readFactorCatalogue() as FactorCatalogue,
    methodologyVersion: 'test',
  });
  if ('error' in result) throw new Error(result.error.message);
  return result.ok;
}

async function read(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  return workbook;
}

/** The sheet's rows below the header, as cell values. */
function body(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  sheet.eachRow((row, n) => {
    if (n > 1) rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

describe('carbonReportWorkbook', () => {
  const r = report();

  it('has the five sheets, Chinese names and headers, frozen header rows', async () => {
    const workbook = await read(await carbonReportWorkbook(r));
    const l = LABELS.zh;
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['汇总', '明细', '分项', '因子', '下级单位']);
    const lines = workbook.getWorksheet('明细')!;
    expect((lines.getRow(1).values as unknown[]).slice(1)).toEqual([...l.lineHeader]);
    expect((workbook.getWorksheet('下级单位')!.getRow(1).values as unknown[]).slice(1)).toEqual([...l.summaryHeader]);
    for (const sheet of workbook.worksheets) {
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(sheet.getColumn(1).width).toBeGreaterThan(8);
    }
  });

  it('holds the JSON report’s values as numbers, with number formats', async () => {
    const workbook = await read(await carbonReportWorkbook(r));
    const lines = body(workbook.getWorksheet('明细')!);
    expect(lines).toHaveLength(r.lines.length);
    r.lines.forEach((line, i) => {
      const row = lines[i]!;
      expect(row[4]).toBe(line.consumption);
      expect(typeof row[4]).toBe('number');
      expect(row[7] ?? null).toBe(line.kgce);
      expect(row[8] ?? null).toBe(line.co2eKg);
      expect(row[13] ?? null).toBe(line.completeness);
      expect(row[14]).toBe(line.estimatedShare);
    });
    expect(workbook.getWorksheet('明细')!.getCell(2, 5).numFmt).toBe('#,##0.000');
    expect(workbook.getWorksheet('明细')!.getCell(2, 14).numFmt).toBe('0.00%');

    const summary = new Map(body(workbook.getWorksheet('汇总')!).map(([k, v]) => [k, v]));
    const h = LABELS.zh.summaryHeader;
    expect(summary.get(h[2])).toBe(r.totals.kgce);
    expect(summary.get(h[3])).toBe(r.totals.tce);
    expect(summary.get(h[4])).toBe(r.totals.co2eKg);
    expect(summary.get(h[6])).toBe(r.totals.scope2LocationKg);
    expect(summary.get(h[7])).toBe(r.totals.scope2MarketKg);
    expect(summary.get(h[11])).toBe(r.intensity.kgcePerM2);
    expect(typeof summary.get(h[2])).toBe('number');
    expect(summary.get('关账状态')).toBe('未关账——数字可能变动');

    const endUses = body(workbook.getWorksheet('分项')!);
    expect(endUses.map((row) => row[4])).toEqual(r.endUses.map((e) => e.consumption));

    const factors = body(workbook.getWorksheet('因子')!);
    expect(factors.map((row) => [row[0], row[2]])).toEqual(usedFactors(r).map((f) => [f.id, f.value]));

    const children = body(workbook.getWorksheet('下级单位')!);
    expect(children).toHaveLength(2);
    r.children.forEach((child, i) => {
      expect(children[i]![2]).toBe(child.totals.kgce);
      expect(children[i]![11]).toBe(child.intensity.kgcePerM2);
    });
  });

  it('is in English on request, with the signature of a closed revision', async () => {
    const signature = { revision: 3, digest: 'f'.repeat(64), keyId: 'k1', signature: 'sig', closedAt: '2026-11-03Z' };
    const workbook = await read(await carbonReportWorkbook(r, { lang: 'en', signature }));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', 'Lines', 'End uses', 'Factors', 'Children']);
    const summary = new Map(body(workbook.getWorksheet('Summary')!).map(([k, v]) => [k, v]));
    expect(summary.get('Period closing')).toBe('closed, revision 3');
    expect(summary.get('Revision')).toBe(3);
    expect(summary.get('Digest (SHA-256)')).toBe('f'.repeat(64));
    expect(summary.get('Key id')).toBe('k1');
    expect(summary.get(LABELS.en.summaryHeader[2])).toBe(r.totals.kgce);
  });
});
