import type { CarbonReport, CarbonSummary, EndUseKind, FactorRef, ReportLine } from './carbon-report-types.js';

/**
 * The carbon report as CSV for Excel: UTF-8 with a BOM (without it Excel reads
 * UTF-8 as the local code page and garbles Chinese), CRLF line ends, every field
 * quoted, Chinese column labels. Sections follow one another, separated by an
 * empty row: report header, lines, totals and intensities, children, 分项,
 * sub-metering balance, notes.
 *
 * Rounding is for display only and happens here: consumption to 3 decimals
 * (litres of water), kgce and kgCO2e to 2, tce to 5, intensities to 4,
 * completeness and shares as percentages to 2. Factor values are printed as
 * the catalogue has them. The JSON report keeps full precision.
 */

type Cell = string | number | null;

const BOM = '\uFEFF';
const CRLF = '\r\n';

const NUMBER = /^-?\d+(\.\d+)?%?$/;

/** Text cells that Excel would read as a formula get a leading apostrophe (numbers stay numbers). */
function quote(cell: Cell): string {
  if (cell === null) return '""';
  const text = typeof cell === 'number' || NUMBER.test(cell) || !/^[=+\-@\t\r]/.test(cell) ? String(cell) : `'${cell}`;
  return `"${text.replaceAll('"', '""')}"`;
}

/** Fixed decimals; a value that rounds to zero prints as 0, never -0.00. */
const fixed = (digits: number) => (value: number | null | undefined): Cell => {
  if (value === null || value === undefined) return null;
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
};
const qty = fixed(3);
const kg = fixed(2);
const tce = fixed(5);
const intensity = fixed(4);
const percent = (share: number | null | undefined): Cell => (share === null || share === undefined ? null : `${(share * 100).toFixed(2)}%`);
const signedPercent = (value: number | null | undefined): Cell => (value === null || value === undefined ? null : `${fixed(2)(value)}%`);

const CARRIER_LABELS: Record<string, string> = {
  electricity: '电力',
  pv_generation: '光伏自发自用电量',
  water: '水',
  natural_gas: '天然气',
  district_heat: '集中供热',
  diesel: '柴油',
  gasoline: '汽油',
  lpg: '液化石油气',
  coal: '原煤',
};
const METHOD_LABELS: Record<string, string> = {
  location: '基于位置',
  market: '基于市场',
  'market (no instruments: equals location)': '基于市场（无绿证/绿电，等于基于位置）',
  combustion: '化石燃料燃烧',
  'on-site renewable': '可再生能源（零排放）',
  resource: '资源（不计入综合能耗）',
};
const SCOPE_LABELS = { 1: '范围一', 2: '范围二' } as const;
const END_USE_KIND_LABELS: Record<EndUseKind, string> = { item: '分项', 'sub-item': '一级子项', unclassified: '未分项', unmetered: '未计量' };

const factorText = (f: FactorRef | null): Cell => (f === null ? null : `${f.id} ${f.value} ${f.unit}${f.year === null ? '' : ` (${f.year}${f.fallback ? `，用于${f.fallback.requestedYear}` : ''})`}${f.region === null ? '' : ` [${f.region}]`}`);
const sourceText = (...factors: Array<FactorRef | null>): Cell => {
  const sources = [...new Set(factors.flatMap((f) => (f === null ? [] : [`${f.source} [${f.confidence}]`])))];
  return sources.length === 0 ? null : sources.join('；');
};

const LINE_HEADER = ['能源品种', '分项', '范围', '核算方法', '消费量', '单位', '折算质量(kg)', '标准煤(kgce)', '二氧化碳排放(kgCO2e)', '排放因子', '折标系数', '密度', '因子来源', '数据完整率', '估算占比', '待复核量', '绿证/绿电抵扣(kWh)', '计量表'];

function lineRow(l: ReportLine): Cell[] {
  return [
    CARRIER_LABELS[l.carrier] ?? l.carrier,
    l.endUse,
    l.scope === null ? '—' : SCOPE_LABELS[l.scope],
    METHOD_LABELS[l.method] ?? l.method,
    qty(l.consumption),
    l.unit,
    qty(l.massKg),
    kg(l.kgce),
    kg(l.co2eKg),
    factorText(l.factor),
    factorText(l.coalFactor),
    factorText(l.densityFactor),
    sourceText(l.factor, l.coalFactor, l.densityFactor),
    percent(l.completeness),
    percent(l.estimatedShare),
    qty(l.quarantinedAmount),
    qty(l.coveredKwh),
    l.meterIds.join(' '),
  ];
}

const SUMMARY_HEADER = ['单位', '层级', '综合能耗(kgce)', '综合能耗(tce)', '二氧化碳排放(kgCO2e)', '范围一(kgCO2e)', '范围二 基于位置(kgCO2e)', '范围二 基于市场(kgCO2e)', '用水量(m3)', '建筑面积(m2)', '用能人数', '单位面积能耗(kgce/m2)', '人均能耗(kgce/人)', '人均用水(m3/人)', '单位面积碳排放(kgCO2e/m2)', '数据完整率', '待复核区间'];

function summaryRow(s: CarbonSummary): Cell[] {
  return [
    `${s.org.name} (${s.org.id})`,
    s.org.level,
    kg(s.totals.kgce),
    tce(s.totals.tce),
    kg(s.totals.co2eKg),
    kg(s.totals.scope1Kg),
    kg(s.totals.scope2LocationKg),
    kg(s.totals.scope2MarketKg),
    qty(s.waterM3),
    kg(s.denominators.floorAreaM2),
    kg(s.denominators.occupants),
    intensity(s.intensity.kgcePerM2),
    intensity(s.intensity.kgcePerPerson),
    intensity(s.intensity.waterM3PerPerson),
    intensity(s.intensity.co2eKgPerM2),
    percent(s.completeness),
    s.reviews,
  ];
}

/** The language of the CSV's labels and notes; only Chinese is written so far: `lang` is accepted, not yet read. */
export interface CarbonReportCsvOptions {
  readonly lang?: 'zh' | 'en';
}

export function carbonReportCsv(report: CarbonReport, _options: CarbonReportCsvOptions = {}): string {
  const rows: Cell[][] = [];
  const blank = () => rows.push([]);
  rows.push(['碳核 公共机构能耗与碳排放报告']);
  rows.push(['报告对象', `${report.org.name} (${report.org.id})`]);
  rows.push(['报告期', report.period.label]);
  rows.push(['起止时间(UTC)', `${report.period.from} — ${report.period.to}`]);
  rows.push(['时区', report.timezone]);
  rows.push(['电力折标方法', `${report.basisLabel} (${report.basis})`]);
  rows.push(['生成时间', report.generatedAt]);
  rows.push(['数据截止时间', report.dataCutoff]);
  rows.push(['方法学版本', report.methodologyVersion]);
  rows.push(['因子库版本', report.factorCatalogueVersion]);
  blank();
  rows.push(['明细']);
  rows.push(LINE_HEADER);
  report.lines.forEach((l) => rows.push(lineRow(l)));
  blank();
  rows.push(['合计与强度']);
  rows.push(SUMMARY_HEADER);
  rows.push(summaryRow(report));
  const previous = report.comparisons.previousYear;
  rows.push(['同比（上年同期）', previous === null ? report.comparisons.previousYearReason : previous.period]);
  if (previous !== null) {
    const c = previous.changePercent;
    rows.push(['综合能耗', signedPercent(c.kgce), '二氧化碳排放', signedPercent(c.co2eKg), '用水量', signedPercent(c.waterM3), '单位面积能耗', signedPercent(c.kgcePerM2), '人均能耗', signedPercent(c.kgcePerPerson), '人均用水', signedPercent(c.waterM3PerPerson), '单位面积碳排放', signedPercent(c.co2eKgPerM2)]);
  }
  rows.push(['对比基准年', report.comparisons.baseline === null ? report.comparisons.baselineReason : report.comparisons.baseline.year]);
  for (const i of report.comparisons.baseline?.indicators ?? []) rows.push([i.indicator, intensity(i.baseline), intensity(i.current), signedPercent(i.changePercent)]);
  for (const t of report.comparisons.targets) {
    rows.push(['目标', t.indicator, `${t.changePercent}% (${t.byYear})`, '应达', signedPercent(t.requiredChangePercent), '实际', signedPercent(t.achievedChangePercent), t.onTrack === null ? t.reason : t.onTrack ? '达标' : '未达标']);
  }
  if (report.children.length > 0) {
    blank();
    rows.push(['下级单位']);
    rows.push(SUMMARY_HEADER);
    report.children.forEach((c) => rows.push(summaryRow(c)));
  }
  if (report.endUses.length > 0) {
    blank();
    rows.push(['分项能耗']);
    rows.push(['能源品种', '分项代码', '分项名称', '类别', '消费量', '单位']);
    report.endUses.forEach((e) => rows.push([CARRIER_LABELS[e.carrier] ?? e.carrier, e.endUse, e.label, END_USE_KIND_LABELS[e.kind], qty(e.consumption), e.unit]));
  }
  if (report.subMetering.length > 0) {
    blank();
    rows.push(['分表平衡']);
    rows.push(['总表', '名称', '机构', '能源品种', '总表读数', '表后光伏', '分表合计', '未计量', '不平衡率', '单位']);
    report.subMetering.forEach((b) => rows.push([b.meterId, b.name, b.institutionId, CARRIER_LABELS[b.carrier] ?? b.carrier, qty(b.parentConsumption), qty(b.pvBehind), qty(b.childrenConsumption), qty(b.unmetered), signedPercent(b.imbalancePercent), b.unit]));
  }
  if (report.notes.length > 0) {
    blank();
    rows.push(['说明']);
    report.notes.forEach((n) => rows.push([n]));
  }
  return BOM + rows.map((row) => row.map(quote).join(',')).join(CRLF) + CRLF;
}
