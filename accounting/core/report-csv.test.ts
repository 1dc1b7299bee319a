import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import {
  buildCarbonReport,
  carbonReportCsv,
  type CarbonReport,
  type CarbonReportInput,
  type FactorCatalogue,
  type MeterPeriodFigures,
} from './index.js';
import { periodRange } from '../../src/kernel/index.js';

const TZ = 'Asia/Shanghai';
const october = periodRange('2026-10', TZ)!;
const fig = (meterId: string, consumption: number, receivedReadings = 31): MeterPeriodFigures => ({
  meterId,
  consumption,
  estimatedAmount: 0,
  quarantinedAmount: 0,
  receivedReadings,
  expectedReadings: 31,
  reviews: 0,
});

function report(extra: Partial<CarbonReportInput> = {}): CarbonReport {
  const result = buildCarbonReport({
    orgId: 'county',
    period: { label: '2026-10', fromMs: october.fromMs, toMs: october.toMs, timeZone: TZ },
    basis: 'equivalent',
    generatedAtMs: october.toMs,
    dataCutoffMs: october.toMs,
    orgs: [{ id: 'county', name: '东区', level: 'county', parentId: null }],
    // A name with a comma, quotes and a leading '=' (what Excel would run as a formula).
    institutions: [
      {
        id: 'g-school',
        name: '=金城"实验",学校',
        orgId: 'county',
        type: 'school',
        timeZone: TZ,
        gridRegion: 'northwest',
        factorVariants: { natural_gas: 'gas-field' },
        floorAreaM2: [{ from: '2020-01-01', value: 20_000 }],
        occupants: [{ from: '2020-01-01', value: 1_500 }],
      },
    ],
    meters: [
      { id: 'E1', institutionId: 'g-school', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
      { id: 'W1', institutionId: 'g-school', carrier: 'water', unit: 'm3', endUse: '02000' },
      { id: 'G1', institutionId: 'g-school', carrier: 'natural_gas', unit: 'm3', endUse: '03A00' },
    ],
    current: new Map([fig('E1', 18_300), fig('W1', 297), fig('G1', 700, 3)].map((f) => [f.meterId, f])),
    catalogue: readFactorCatalogue() as FactorCatalogue,
    methodologyVersion: 'test',
    ...extra,
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
    expect(header).toEqual(
      expect.arrayContaining([
        '标准煤(kgce)',
        '二氧化碳排放(kgCO2e)',
        '排放因子',
        '因子来源',
        '数据完整率',
        '估算占比',
      ]),
    );
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

describe('carbonReportCsv in one language', () => {
  const r = report();
  const zh = carbonReportCsv(r, { lang: 'zh' });
  const en = carbonReportCsv(r, { lang: 'en' });
  /** What may stay in Latin letters in a Chinese CSV: identifiers, units, versions, time stamps, cited documents. */
  const identifiers = (report: CarbonReport) => [
    ...report.lines
      .flatMap((l) => [l.factor, l.coalFactor, l.densityFactor])
      .flatMap((f) => (f === null ? [] : [f.id, f.source, f.unit])),
    ...report.lines.flatMap((l) => [...l.meterIds, l.unit]),
    report.org.id,
    ...report.children.map((c) => c.org.id),
    report.timezone,
    report.period.from,
    report.period.to,
    report.generatedAt,
    report.dataCutoff,
    report.methodologyVersion,
  ];
  const latinLeft = (csv: string, report: CarbonReport) =>
    [...identifiers(report)]
      .sort((a, b) => b.length - a.length)
      .reduce((text, known) => text.replaceAll(known, ''), csv)
      .match(/[A-Za-z]{2,}/g) ?? [];

  it('is Chinese by default, with no English label, level, reason or note', () => {
    expect(carbonReportCsv(r)).toBe(zh);
    expect(new Set(latinLeft(zh, r))).toEqual(new Set(['kgce', 'kgCO', 'UTC', 'tce', 'kg']));
    const rows = parse(zh.slice(1));
    expect(rows.find((row) => row[0] === '同比（上年同期）')).toEqual([
      '同比（上年同期）',
      '未提供上年同期数据，无法比较',
    ]);
    expect(rows.find((row) => row[0] === '东区 (county)')?.[1]).toBe('县级');
    expect(r.notes.length).toBeGreaterThan(0);
    expect(rows.find((row) => row[0] === '说明')).toBeDefined();
  });

  it('is English throughout with lang en: the same figures under English labels', () => {
    const rows = parse(en.slice(1));
    expect(rows[0]).toEqual(['tanhe carbon report for public institutions: energy and emissions']);
    const header = rows.find((row) => row[0] === 'Carrier' && row[1] === 'End use')!;
    expect(header.slice(0, 6)).toEqual(['Carrier', 'End use', 'Scope', 'Method', 'Consumption', 'Unit']);
    const gas = rows.find((row) => row[0] === 'natural gas')!;
    const gasCells = [gas[2], gas[3], gas[7], gas[8], gas[13]];
    expect(gasCells).toEqual(['Scope 1', 'fuel combustion', '850.01', '1515.50', '9.68%']);
    const yearOnYear = rows.find((row) => row[0] === 'Year on year (same period last year)');
    expect(yearOnYear?.[1]).toBe(r.comparisons.previousYearReason);
    const left = rows
      .flat()
      .join('\n')
      .replaceAll(r.org.name, '')
      .replaceAll(r.children[0]?.org.name ?? '—', '');
    const sources = r.lines.flatMap((l) => [l.factor, l.coalFactor].flatMap((f) => (f === null ? [] : [f.source])));
    const rest = sources.reduce((text, known) => text.replaceAll(known, ''), left);
    expect(rest.match(/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/g)).toBeNull();
  });

  it('a month in progress says so, with completeness to date beside the whole month', () => {
    const tenDays = report({ generatedAtMs: october.fromMs + 10 * 86_400_000 });
    const rows = parse(carbonReportCsv(tenDays).slice(1));
    expect(rows.find((row) => row[0] === '报告期状态')?.[1]).toBe('进行中（数字截至生成时间）');
    const header = rows.find((row) => row[0] === '单位' && row[1] === '层级')!;
    const summary = rows.find((row) => row[0] === '东区 (county)')!;
    const at = (label: string) => summary[header.indexOf(label)];
    // 65 of 93 readings expected for the month arrived; by day 10 only 30 were expected, and the surplus is capped.
    expect([at('数据完整率'), at('数据完整率（截至目前）')]).toEqual(['69.89%', '100.00%']);
  });

  it('rounds the figures inside notes for reading; a note of an unknown form is not printed in English', () => {
    const imbalance =
      'meter E1: its child meters read 12.3456789 kWh more than it supplies (imbalance -3.14159 %): check the meters';
    const odd = { ...r, notes: [imbalance, 'something new 1.23456'] };
    const zhNotes = parse(carbonReportCsv(odd).slice(1))
      .slice(-2)
      .map((row) => row[0]);
    expect(zhNotes).toEqual([
      '计量表 E1：其分表读数合计比总表多 12.35 kWh（不平衡率 -3.14%）：请检查计量表',
      '第 2 条说明暂无中文文本，请查阅 JSON 格式的报告',
    ]);
    const enNotes = parse(carbonReportCsv(odd, { lang: 'en' }).slice(1))
      .slice(-2)
      .map((row) => row[0]);
    expect(enNotes).toEqual([
      'meter E1: its child meters read 12.35 kWh more than it supplies (imbalance -3.14 %): check the meters',
      'something new 1.23',
    ]);
  });
});
