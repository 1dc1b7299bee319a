import { describe, expect, it } from 'vitest';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import { periodRange } from '../../src/kernel/index.js';
import {
  buildCarbonReport,
  carbonReportHtml,
  usedFactors,
  type CarbonReport,
  type FactorCatalogue,
  type MeterPeriodFigures,
  type ReportSignature,
} from './index.js';

const TZ = 'Asia/Shanghai';
const october = periodRange('2026-10', TZ)!;
const fig = (meterId: string, consumption: number, receivedReadings = 31): MeterPeriodFigures => ({
  meterId,
  consumption,
  estimatedAmount: consumption / 10,
  quarantinedAmount: 0,
  receivedReadings,
  expectedReadings: 31,
  reviews: 0,
});

/** A county with two institutions (children), electricity with 分项, water, gas; a name that needs escaping. */
function report(): CarbonReport {
  const institution = (id: string, name: string, areaM2: number) => ({
    id,
    name,
    orgId: 'county',
    type: 'school',
    timeZone: TZ,
    gridRegion: 'northwest',
    factorVariants: { natural_gas: 'gas-field' },
    floorAreaM2: [{ from: '2020-01-01', value: areaM2 }],
    occupants: [{ from: '2020-01-01', value: 1_500 }],
  });
  const result = buildCarbonReport({
    orgId: 'county',
    period: { label: '2026-10', fromMs: october.fromMs, toMs: october.toMs, timeZone: TZ },
    basis: 'equivalent',
    generatedAtMs: october.toMs,
    dataCutoffMs: october.toMs,
    orgs: [{ id: 'county', name: '东区', level: 'county', parentId: null }],
    institutions: [
      institution('school', '<b>金城"实验"</b> & 学校', 20_000),
      institution('clinic', '东区卫生院', 4_000),
    ],
    meters: [
      { id: 'E1', institutionId: 'school', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
      { id: 'E1-light', institutionId: 'school', carrier: 'electricity', unit: 'kWh', endUse: '01A00', parentId: 'E1' },
      { id: 'W1', institutionId: 'school', carrier: 'water', unit: 'm3', endUse: '02000' },
      { id: 'G1', institutionId: 'school', carrier: 'natural_gas', unit: 'm3', endUse: '03A00' },
      { id: 'E2', institutionId: 'clinic', carrier: 'electricity', unit: 'kWh', endUse: '01000' },
    ],
    current: new Map(
      [fig('E1', 18_300.456), fig('E1-light', 9_000), fig('W1', 297.5), fig('G1', 700, 3), fig('E2', 4_321.5)].map(
        (f) => [f.meterId, f],
      ),
    ),
    catalogue: readFactorCatalogue() as FactorCatalogue,
    methodologyVersion: 'test',
  });
  if ('error' in result) throw new Error(result.error.message);
  return result.ok;
}

/** Every figure the page names, by field: its full-precision data-value and its shown text. */
function fields(html: string): Map<string, { value: number; text: string }> {
  const found = new Map<string, { value: number; text: string }>();
  for (const m of html.matchAll(/<td class="n" data-value="([^"]+)" data-field="([^"]+)">([^<]*)<\/td>/g)) {
    found.set(m[2]!, { value: Number(m[1]), text: m[3]! });
  }
  return found;
}

/** The value at a dotted path (lines.0.kgce) of the JSON report. */
function at(json: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], json);
}

const SIGNATURE: ReportSignature = {
  revision: 2,
  digest: 'a'.repeat(64),
  keyId: 'tanhe-ed25519-2026',
  signature: 'c2lnbmF0dXJl<script>',
  closedAt: '2026-11-03T02:00:00.000Z',
};

describe('carbonReportHtml', () => {
  const r = report();
  const json = JSON.parse(JSON.stringify(r)) as unknown;

  it.each(['zh', 'en'] as const)('holds the JSON report’s figures, by value (%s)', (lang) => {
    const html = carbonReportHtml(r, { lang });
    const figures = fields(html);
    const expected = [
      'totals.kgce',
      'totals.tce',
      'totals.co2eKg',
      'totals.scope1Kg',
      'totals.scope2LocationKg',
      'totals.scope2MarketKg',
      'waterM3',
      'intensity.kgcePerM2',
      'intensity.co2eKgPerM2',
      'completeness',
      ...r.lines.flatMap((line, i) => [
        `lines.${i}.consumption`,
        ...(line.kgce === null ? [] : [`lines.${i}.kgce`]),
        ...(line.co2eKg === null ? [] : [`lines.${i}.co2eKg`]),
      ]),
      ...r.children.flatMap((_, i) => [`children.${i}.totals.kgce`, `children.${i}.intensity.kgcePerM2`]),
      ...r.endUses.map((_, i) => `endUses.${i}.consumption`),
    ];
    expect(r.children).toHaveLength(2);
    expect(r.lines.length).toBeGreaterThanOrEqual(3);
    for (const field of expected) {
      expect(figures.get(field)?.value, field).toBe(at(json, field));
    }
    // The shown text is the value rounded, in the locale's form (grouping commas, fixed decimals).
    expect(figures.get('totals.kgce')?.text).toBe(
      new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
      }).format(r.totals.kgce),
    );
    expect(figures.get('totals.kgce')?.text).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
  });

  it('is a whole document in Chinese, with the factor table, the charts and the open-report statement', () => {
    const html = carbonReportHtml(r);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('碳核 公共机构能耗与碳排放报告');
    expect(html).toContain('Noto Sans CJK SC');
    expect(html).toContain('@page { size: A4;');
    expect(html).toContain('thead { display: table-header-group; }');
    expect(html).toContain('未关账——数字可能变动');
    for (const f of usedFactors(r)) expect(html).toContain(f.id);
    expect(usedFactors(r).map((f) => f.id)).toContain(r.lines[0]?.factor?.id);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('范围一');
    expect(html).toContain('基于市场');
  });

  it('is in English on request, with the same open-report statement in English', () => {
    const html = carbonReportHtml(r, { lang: 'en' });
    expect(html).toContain('<html lang="en-GB">');
    expect(html).toContain('Not closed — figures may change');
    expect(html).toContain('Scope 1 and scope 2');
    expect(html).not.toContain('未关账');
  });

  it('escapes every text from the report', () => {
    const html = carbonReportHtml(r);
    expect(html).not.toContain('<b>金城');
    expect(html).toContain('&lt;b&gt;金城&quot;实验&quot;&lt;/b&gt; &amp; 学校');
  });

  it('prints the signature block of a closed revision, escaped, instead of the open-report statement', () => {
    const html = carbonReportHtml(r, { lang: 'zh', signature: SIGNATURE });
    expect(html).toContain('已关账：第 2 版');
    expect(html).toContain('a'.repeat(64));
    expect(html).toContain('tanhe-ed25519-2026');
    expect(html).toContain('2026-11-03T02:00:00.000Z');
    expect(html).toContain('c2lnbmF0dXJl&lt;script&gt;');
    expect(html).not.toContain('未关账');
    expect(html).not.toMatch(/<script/i);
  });

  it('is a function of its arguments: the same report gives the same bytes', () => {
    expect(carbonReportHtml(report(), { lang: 'en' })).toBe(carbonReportHtml(r, { lang: 'en' }));
  });
});
