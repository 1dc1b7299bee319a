import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import { buildCarbonReport, carbonReportCsv, type CarbonReport, type FactorCatalogue, type MeterPeriodFigures } from './index.js';
import { periodRange } from '../../src/kernel/index.js';

const TZ = 'Asia/Shanghai';
const october = periodRange('2026-10', TZ)!;
const fig = (meterId: string, consumption: number, receivedReadings = 31): MeterPeriodFigures => ({ meterId, consumption, estimatedAmount: 0, quarantinedAmount: 0, receivedReadings, expectedReadings: 31, reviews: 0 });

function report(): CarbonReport {
  const result = buildCarbonReport({
    orgId: 'county',
    period: { label: '2026-10', fromMs: october.fromMs, toMs: october.toMs, timeZone: TZ },
    basis: 'equivalent',
    generatedAtMs: october.toMs,
    dataCutoffMs: october.toMs,
    orgs: [{ id: 'county', name: '东区', level: 'county', parentId: null }],
    // A name with a comma, quotes and a leading '=' (what Excel would run as a formula).
    institutions: [{ id: 'g-school', name: '=金城"实验",学校', orgId: 'county', type: 'school', timeZone: TZ, gridRegion: 'northwest', factorVariants: { natural_gas: 'gas-field' }, floorAreaM2: [{ from: '2020-01-01', value: 20_000 }], occupants: [{ from: '2020-01-01', value: 1_500 }] }],
    meters: [
      { id: 'E1', institutionId: 'g-school', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
      { id: 'W1', institutionId: 'g-school', carrier: 'water', unit: 'm3', endUse: '02000' },
      { id: 'G1', institutionId: 'g-school', carrier: 'natural_gas', unit: 'm3', endUse: '03A00' },
    ],
    current: new Map([fig('E1', 18_300), fig('W1', 297), fig('G1', 700, 3)].map((f) => [f.meterId, f])),
    catalogue: readFactorCatalogue() as FactorCatalogue,
    methodologyVersion: 'test',
  });
  if ('error' in result) throw new Error(result.error.message);
  return result.ok;
}

/** A minimal RFC 4180 reader, to check the CSV parses back into the same cells. */
function parse(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < csv.length) {
    if (csv.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
      continue;
    }
    if (csv[i] === ',') {
      i += 1;
      continue;
    }
    expect(csv[i], `a field starts with a quote at ${i}`).toBe('"');
    let cell = '';
    i += 1;
    for (;;) {
      if (csv.startsWith('""', i)) {
        cell += '"';
        i += 2;
      } else if (csv[i] === '"') {
        i += 1;
        break;
      } else {
        cell += csv[i];
        i += 1;
      }
    }
    row.push(cell);
  }
  return rows;
}

describe('carbonReportCsv', () => {
  const csv = carbonReportCsv(report());
  const body = csv.slice(1);

  it('is UTF-8 with a BOM, CRLF line ends only, every field quoted', () => {
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(body.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('has the Chinese column labels', () => {
    const rows = parse(body);
    const header = rows.find((r) => r[0] === '能源品种' && r[1] === '分项')!;
    expect(header.slice(0, 6)).toEqual(['能源品种', '分项', '范围', '核算方法', '消费量', '单位']);
    expect(header).toEqual(expect.arrayContaining(['标准煤(kgce)', '二氧化碳排放(kgCO2e)', '排放因子', '因子来源', '数据完整率', '估算占比']));
  });

  it('quotes commas and quotes, and defuses formulas', () => {
    const rows = parse(body);
    expect(rows.some((r) => r.includes(`'=金城"实验",学校 (g-school)`))).toBe(true);
    expect(body).toContain(`"'=金城""实验"",学校 (g-school)"`);
  });

  it('rounds for display only; negative zero never shows; empty cells for null', () => {
    const rows = parse(body);
    const water = rows.find((r) => r[0] === '水')!;
    expect(water.slice(4, 9)).toEqual(['297.000', 'm3', '', '', '']);
    const gas = rows.find((r) => r[0] === '天然气')!;
    expect([gas[7], gas[8], gas[13]]).toEqual(['850.01', '1515.50', '9.68%']);
    expect(body).not.toContain('-0.00');
  });

  it('the same number of cells in every row of a table', () => {
    const rows = parse(body);
    const start = rows.findIndex((r) => r[0] === '能源品种' && r[1] === '分项');
    const width = rows[start]!.length;
    for (let k = start + 1; rows[k]!.length > 0; k += 1) expect(rows[k]).toHaveLength(width);
  });
});
