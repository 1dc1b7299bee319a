import type { ComparisonGap, EndUseKind, FactorRef, Indicator } from './carbon-report-types.js';

/**
 * The carbon report's words in Chinese and English, shared by every rendering
 * of it (CSV, printable HTML, Excel workbook), so a label is translated once:
 * section titles, column headers, carriers, methods, scopes, levels, regions,
 * indicators, the reasons a comparison is missing, and the engine's notes
 * (English sentences of known forms, rendered in either language).
 */

export const REPORT_LANGS = ['zh', 'en'] as const;
export type ReportLang = (typeof REPORT_LANGS)[number];

/** Fixed decimals; a value that rounds to zero prints as 0, never -0.00. */
export const fixed =
  (digits: number) =>
  (value: number | null | undefined): string | null => {
    if (value === null || value === undefined) return null;
    const text = value.toFixed(digits);
    return Number(text) === 0 ? (0).toFixed(digits) : text;
  };
const percent = (share: number | null | undefined): string | null =>
  share === null || share === undefined ? null : `${(share * 100).toFixed(2)}%`;

/** A figure inside a sentence: integers as they are, anything else to 2 decimals. */
export const readable = (text: string): string => {
  const value = Number(text);
  return Number.isInteger(value) ? String(value) : (fixed(2)(value) ?? text);
};

export interface Labels {
  readonly title: string;
  readonly header: {
    readonly org: string;
    readonly period: string;
    readonly fromTo: string;
    readonly timezone: string;
    readonly basis: string;
    readonly generated: string;
    readonly status: string;
    readonly cutoff: string;
    readonly methodology: string;
    readonly catalogue: string;
  };
  readonly status: { readonly inProgress: string; readonly ended: string };
  readonly lines: string;
  readonly lineHeader: readonly string[];
  readonly summary: string;
  readonly summaryHeader: readonly string[];
  readonly previousYear: string;
  readonly changes: readonly [string, string, string, string, string, string, string];
  readonly baselineYear: string;
  readonly target: string;
  readonly required: string;
  readonly achieved: string;
  readonly onTrack: { readonly yes: string; readonly no: string };
  readonly children: string;
  readonly endUses: string;
  readonly endUseHeader: readonly string[];
  readonly subMetering: string;
  readonly subMeteringHeader: readonly string[];
  readonly notes: string;
  readonly factors: string;
  readonly factorHeader: readonly string[];
  readonly factorKinds: Readonly<Record<FactorRef['kind'], string>>;
  /** Workbook sheet names (at most 31 characters, none of []:*?/\\). */
  readonly sheets: {
    readonly summary: string;
    readonly lines: string;
    readonly endUses: string;
    readonly factors: string;
    readonly children: string;
  };
  readonly carriers: Readonly<Record<string, string>>;
  readonly methods: Readonly<Record<string, string>>;
  readonly scopes: { readonly 1: string; readonly 2: string };
  readonly endUseKinds: Readonly<Record<EndUseKind, string>>;
  readonly levels: Readonly<Record<string, string>>;
  readonly regions: Readonly<Record<string, string>>;
  readonly indicators: Readonly<Record<Indicator, string>>;
  readonly bases: Readonly<Record<string, string>>;
  readonly confidence: Readonly<Record<FactorRef['confidence'], string>>;
  readonly separator: string;
  /** `usedYear` applied for `requestedYear`. */
  readonly fallback: (usedYear: number, requestedYear: number) => string;
}

export const ZH: Labels = {
  title: '碳核 公共机构能耗与碳排放报告',
  header: {
    org: '报告对象',
    period: '报告期',
    fromTo: '起止时间(UTC)',
    timezone: '时区',
    basis: '电力折标方法',
    generated: '生成时间',
    status: '报告期状态',
    cutoff: '数据截止时间',
    methodology: '方法学版本',
    catalogue: '因子库版本',
  },
  status: { inProgress: '进行中（数字截至生成时间）', ended: '已结束' },
  lines: '明细',
  lineHeader: [
    '能源品种',
    '分项',
    '范围',
    '核算方法',
    '消费量',
    '单位',
    '折算质量(kg)',
    '标准煤(kgce)',
    '二氧化碳排放(kgCO2e)',
    '排放因子',
    '折标系数',
    '密度',
    '因子来源',
    '数据完整率',
    '估算占比',
    '待复核量',
    '绿证/绿电抵扣(kWh)',
    '计量表',
  ],
  summary: '合计与强度',
  summaryHeader: [
    '单位',
    '层级',
    '综合能耗(kgce)',
    '综合能耗(tce)',
    '二氧化碳排放(kgCO2e)',
    '范围一(kgCO2e)',
    '范围二 基于位置(kgCO2e)',
    '范围二 基于市场(kgCO2e)',
    '用水量(m3)',
    '建筑面积(m2)',
    '用能人数',
    '单位面积能耗(kgce/m2)',
    '人均能耗(kgce/人)',
    '人均用水(m3/人)',
    '单位面积碳排放(kgCO2e/m2)',
    '数据完整率',
    '数据完整率（截至目前）',
    '待复核区间',
  ],
  previousYear: '同比（上年同期）',
  changes: ['综合能耗', '二氧化碳排放', '用水量', '单位面积能耗', '人均能耗', '人均用水', '单位面积碳排放'],
  baselineYear: '对比基准年',
  target: '目标',
  required: '应达',
  achieved: '实际',
  onTrack: { yes: '达标', no: '未达标' },
  children: '下级单位',
  endUses: '分项能耗',
  endUseHeader: ['能源品种', '分项代码', '分项名称', '类别', '消费量', '单位'],
  subMetering: '分表平衡',
  subMeteringHeader: [
    '总表',
    '名称',
    '机构',
    '能源品种',
    '总表读数',
    '表后光伏',
    '分表合计',
    '未计量',
    '不平衡率',
    '单位',
  ],
  notes: '说明',
  factors: '排放因子与折标系数',
  factorHeader: ['因子', '类别', '数值', '单位', '年份/有效期', '地区', '系列/变体', '来源', '可信度'],
  factorKinds: { standard_coal: '折标系数', emission: '排放因子', density: '密度' },
  sheets: { summary: '汇总', lines: '明细', endUses: '分项', factors: '因子', children: '下级单位' },
  carriers: {
    electricity: '电力',
    pv_generation: '光伏自发自用电量',
    water: '水',
    natural_gas: '天然气',
    district_heat: '集中供热',
    diesel: '柴油',
    gasoline: '汽油',
    lpg: '液化石油气',
    coal: '原煤',
    steam: '蒸汽',
    fuel_oil: '燃料油',
  },
  methods: {
    location: '基于位置',
    market: '基于市场',
    'market (no instruments: equals location)': '基于市场（无绿证/绿电，等于基于位置）',
    combustion: '化石燃料燃烧',
    'on-site renewable': '可再生能源（零排放）',
    resource: '资源（不计入综合能耗）',
  },
  scopes: { 1: '范围一', 2: '范围二' },
  endUseKinds: { item: '分项', 'sub-item': '一级子项', unclassified: '未分项', unmetered: '未计量' },
  levels: { region: '省级', city: '市级', county: '县级', district: '区级', group: '单位组', institution: '机构' },
  regions: {
    national: '全国',
    north: '华北',
    northeast: '东北',
    east: '华东',
    central: '华中',
    northwest: '西北',
    south: '南方',
    southwest: '西南',
    ningxia: '宁夏',
  },
  indicators: {
    kgcePerM2: '单位面积能耗',
    kgcePerPerson: '人均能耗',
    waterM3PerPerson: '人均用水',
    co2eKgPerM2: '单位面积碳排放',
  },
  bases: { equivalent: '当量值', equal: '等价值' },
  confidence: { P: '原始来源', S: '转引', U: '未核实' },
  separator: '；',
  fallback: (used, requested) => `${used}年，用于${requested}年`,
};

export const EN: Labels = {
  title: 'tanhe carbon report for public institutions: energy and emissions',
  header: {
    org: 'Reporting unit',
    period: 'Period',
    fromTo: 'From — to (UTC)',
    timezone: 'Time zone',
    basis: 'Electricity to standard coal',
    generated: 'Generated at',
    status: 'Period status',
    cutoff: 'Data cut-off',
    methodology: 'Methodology version',
    catalogue: 'Factor catalogue version',
  },
  status: { inProgress: 'in progress (figures to the generation time)', ended: 'ended' },
  lines: 'Lines',
  lineHeader: [
    'Carrier',
    'End use',
    'Scope',
    'Method',
    'Consumption',
    'Unit',
    'Mass (kg)',
    'Standard coal (kgce)',
    'CO2 emissions (kgCO2e)',
    'Emission factor',
    'Standard-coal coefficient',
    'Density',
    'Factor source',
    'Completeness',
    'Estimated share',
    'Held for review',
    'Green certificates / contracts applied (kWh)',
    'Meters',
  ],
  summary: 'Totals and intensities',
  summaryHeader: [
    'Unit',
    'Level',
    'Total energy (kgce)',
    'Total energy (tce)',
    'CO2 emissions (kgCO2e)',
    'Scope 1 (kgCO2e)',
    'Scope 2 location-based (kgCO2e)',
    'Scope 2 market-based (kgCO2e)',
    'Water (m3)',
    'Floor area (m2)',
    'Occupants',
    'Energy per area (kgce/m2)',
    'Energy per person (kgce/person)',
    'Water per person (m3/person)',
    'CO2e per area (kgCO2e/m2)',
    'Completeness',
    'Completeness to date',
    'Intervals held for review',
  ],
  previousYear: 'Year on year (same period last year)',
  changes: [
    'Total energy',
    'CO2 emissions',
    'Water',
    'Energy per area',
    'Energy per person',
    'Water per person',
    'CO2e per area',
  ],
  baselineYear: 'Baseline year',
  target: 'Target',
  required: 'required',
  achieved: 'achieved',
  onTrack: { yes: 'on track', no: 'off track' },
  children: 'Subordinate units',
  endUses: 'Energy by end use',
  endUseHeader: ['Carrier', 'End-use code', 'End use', 'Kind', 'Consumption', 'Unit'],
  subMetering: 'Sub-metering balance',
  subMeteringHeader: [
    'Parent meter',
    'Name',
    'Institution',
    'Carrier',
    'Parent reading',
    'PV behind',
    'Sub-meters',
    'Unmetered',
    'Imbalance',
    'Unit',
  ],
  notes: 'Notes',
  factors: 'Factors and coefficients',
  factorHeader: [
    'Factor',
    'Kind',
    'Value',
    'Unit',
    'Year / validity',
    'Region',
    'Series / variant',
    'Source',
    'Confidence',
  ],
  factorKinds: { standard_coal: 'standard coal', emission: 'emission', density: 'density' },
  sheets: { summary: 'Summary', lines: 'Lines', endUses: 'End uses', factors: 'Factors', children: 'Children' },
  carriers: {
    electricity: 'electricity',
    pv_generation: 'PV consumed on site',
    water: 'water',
    natural_gas: 'natural gas',
    district_heat: 'district heat',
    diesel: 'diesel',
    gasoline: 'gasoline',
    lpg: 'LPG',
    coal: 'raw coal',
    steam: 'steam',
    fuel_oil: 'fuel oil',
  },
  methods: {
    location: 'location-based',
    market: 'market-based',
    'market (no instruments: equals location)': 'market-based (no instruments: equals location-based)',
    combustion: 'fuel combustion',
    'on-site renewable': 'on-site renewable (zero emission)',
    resource: 'resource (outside total energy)',
  },
  scopes: { 1: 'Scope 1', 2: 'Scope 2' },
  endUseKinds: { item: 'item', 'sub-item': 'sub-item', unclassified: 'unclassified', unmetered: 'unmetered' },
  levels: {},
  regions: {},
  indicators: {
    kgcePerM2: 'energy per area',
    kgcePerPerson: 'energy per person',
    waterM3PerPerson: 'water per person',
    co2eKgPerM2: 'CO2e per area',
  },
  bases: { equivalent: 'equivalent value', equal: 'equal value' },
  confidence: { P: 'P', S: 'S', U: 'U' },
  separator: '; ',
  fallback: (used, requested) => `${used}, used for ${requested}`,
};

/** Why a comparison is missing, in Chinese (the English CSV prints the report's own reason). */
export const GAPS_ZH: Readonly<Record<ComparisonGap, string>> = {
  not_supplied: '未提供上年同期数据，无法比较',
  no_same_period: '本报告期没有上年同期',
  last_year_failed: '上年同期报告无法计算（因子错误），无法比较',
  no_readings_last_year: '上年同期没有读数，无法比较',
  no_readings_this_period: '本期没有读数，无法比较',
  annual_only: '基准与目标是年度指标（每平方米·年、每人·年），仅在年度报告中比较',
  no_baseline: '有机构未设基准年',
  baseline_years_differ: '各机构的基准年不同',
  no_institutions: '没有机构',
  no_indicator: '基准年或本期缺少该指标',
};

const INSTRUMENT_ZH: Readonly<Record<string, string>> = {
  'green certificate 绿证': '绿证',
  'green-power contract 绿电交易': '绿电交易合同',
};
/** The engine glosses its English terms in Chinese; an English CSV drops the gloss. */
const plainEn = (text: string): string =>
  text
    .replace(/(green certificate|green-power contract) (绿证|绿电交易)/g, '$1')
    .replace('in 综合能耗', 'counted in total energy');

const N = '(-?\\d+(?:\\.\\d+)?(?:e-?\\d+)?)';
const KIND = '(green certificate 绿证|green-power contract 绿电交易)';

/**
 * The engine's notes by form: each form renders in both languages with its
 * figures rounded for reading. A note of an unknown form is printed as it is in
 * English (figures rounded) and, in Chinese, as a pointer to the JSON report.
 */
const NOTE_FORMS: ReadonlyArray<{
  readonly form: RegExp;
  readonly zh: (m: readonly string[], l: Labels) => string;
  readonly en?: (m: readonly string[]) => string;
}> = [
  {
    form: /^factor (\S+) \((\d{4})\) used for (\d{4}) \((\S+)\): .*$/,
    zh: ([, id, used, requested, carrier], l) =>
      `因子 ${id}（${used}年）用于${requested}年（${l.carriers[carrier ?? ''] ?? carrier}）：` +
      `${requested}年因子尚未发布，沿用${used}年因子直至更新`,
  },
  {
    form: new RegExp(`^${KIND} (\\S+) \\(institution (\\S+), vintage (\\d{4})\\) is not retired: .*$`),
    zh: ([, kind, id, institution, vintage]) =>
      `${INSTRUMENT_ZH[kind ?? ''] ?? kind} ${id}（机构 ${institution}，${vintage}年度）未注销：不计入基于市场的范围二`,
  },
  {
    form: new RegExp(
      `^${KIND} (\\S+) \\(institution (\\S+), vintage (\\d{4})\\) is not of the (\\d{4}) vintage: ` +
        'not counted for (\\S+)$',
    ),
    zh: ([, kind, id, institution, vintage, year, label]) =>
      `${INSTRUMENT_ZH[kind ?? ''] ?? kind} ${id}（机构 ${institution}，${vintage}年度）不是${year}年度的：不计入${label}`,
  },
  {
    form: new RegExp(
      `^${KIND} (\\S+): ${N} kWh for (\\d{4}), its time share ${N} of the year \\(${N} kWh\\) ` +
        'allocated to (\\S+)$',
    ),
    zh: ([, kind, id, kwh, year, share, allocated, label]) =>
      `${INSTRUMENT_ZH[kind ?? ''] ?? kind} ${id}：${year}年 ${readable(kwh ?? '')} kWh，按时间占全年的 ` +
      `${percent(Number(share))} 分摊 ${readable(allocated ?? '')} kWh 至 ${label}`,
    en: ([, kind, id, kwh, year, share, allocated, label]) =>
      `${kind} ${id}: ${readable(kwh ?? '')} kWh for ${year}, its time share ${percent(Number(share))} of the year ` +
      `(${readable(allocated ?? '')} kWh) allocated to ${label}`,
  },
  {
    form: new RegExp(
      `^${KIND} (\\S+): capped at the purchased electricity, ${N} kWh of its allocation not used ` + 'in (\\S+)$',
    ),
    zh: ([, kind, id, kwh, label]) =>
      `${INSTRUMENT_ZH[kind ?? ''] ?? kind} ${id}：以外购电量为上限，分摊量中 ${readable(kwh ?? '')} kWh 未在 ${label} 使用`,
  },
  {
    form: new RegExp(`^institution (\\S+): no PV export is metered, so all ${N} kWh generated count as consumed`),
    zh: ([, id, kwh]) =>
      `机构 ${id}：未计量光伏上网电量，所发 ${readable(kwh ?? '')} kWh 全部视为自发自用（零排放，按电力折标系数计入综合能耗）`,
  },
  {
    form: /^institution (\S+): no figures for meters (.+) in (\S+): counted as 0, no readings expected$/,
    zh: ([, id, meters, label]) => `机构 ${id}：计量表 ${meters} 在 ${label} 没有数据：按 0 计，不计应收读数`,
  },
  {
    form: new RegExp(`^meter (\\S+): its child meters read ${N} (\\S+) more than it supplies \\(imbalance ${N} %\\)`),
    zh: ([, id, amount, unit, imbalance]) =>
      `计量表 ${id}：其分表读数合计比总表多 ${readable(amount ?? '')} ${unit}（不平衡率 ${readable(imbalance ?? '')}%）：请检查计量表`,
  },
  {
    form: /^(\d+) quarantined interval\(s\) await review: /,
    zh: ([, count]) => `${count} 个区间待复核：其数量未计入本报告的任何数字`,
  },
  {
    form: new RegExp(`^virtual meter (\\S+) \\((.+)\\) is negative: ${N} (\\S+); `),
    zh: ([, id, expression, amount, unit]) =>
      `虚拟表 ${id}（${expression}）为负：${readable(amount ?? '')} ${unit}；被减的计量表读数大于其余计量表：请检查计量表`,
  },
];

/** The 分项 items and sub-items in English (the Chinese labels come with the report). */
const END_USES_EN: Readonly<Record<string, string>> = {
  '01A00': 'lighting and sockets',
  '01A10': 'indoor lighting and sockets',
  '01A20': 'corridor and emergency lighting',
  '01A30': 'outdoor and landscape lighting',
  '01B00': 'HVAC',
  '01B10': 'chiller and heat plant',
  '01B20': 'HVAC terminals',
  '01C00': 'power',
  '01C10': 'lifts',
  '01C20': 'water pumps',
  '01C30': 'fans',
  '01D00': 'special',
  '01D10': 'IT centre',
  '01D20': 'laundry',
  '01D30': 'kitchen and canteen',
  '01D40': 'swimming pool',
  '01D50': 'gym',
  '01D60': 'other special',
};
export const endUseEn = (code: string | null): string | null => (code === null ? null : (END_USES_EN[code] ?? code));

const LONG_DECIMAL = /-?\d+\.\d{3,}(?:e-?\d+)?/g;

export function noteText(note: string, index: number, lang: ReportLang, l: Labels): string {
  for (const { form, zh, en } of NOTE_FORMS) {
    const m = form.exec(note);
    if (m === null) continue;
    if (lang === 'zh') return zh(m, l);
    return plainEn(en === undefined ? note.replace(LONG_DECIMAL, readable) : en(m));
  }
  return lang === 'zh'
    ? `第 ${index + 1} 条说明暂无中文文本，请查阅 JSON 格式的报告`
    : plainEn(note.replace(LONG_DECIMAL, readable));
}

export const LABELS: Readonly<Record<ReportLang, Labels>> = { zh: ZH, en: EN };

/** Why a comparison is missing, in the report's language (English: the report's own reason). */
export function gapText(lang: ReportLang, code: ComparisonGap | null, reason: string | null): string | null {
  return lang === 'zh' && code !== null ? GAPS_ZH[code] : reason;
}

/** A factor as one cell: id, value, unit, (year, or the year it stands in for), [region]. */
export function factorText(f: FactorRef | null, l: Labels): string | null {
  if (f === null) return null;
  const year = f.year === null ? '' : ` (${f.fallback ? l.fallback(f.year, f.fallback.requestedYear) : f.year})`;
  const region = f.region === null ? '' : ` [${l.regions[f.region] ?? f.region}]`;
  return `${f.id} ${f.value} ${f.unit}${year}${region}`;
}

/** The documents the factors cite, each with its confidence mark, once each. */
export function sourceText(l: Labels, ...factors: Array<FactorRef | null>): string | null {
  const cited = factors.flatMap((f) => (f === null ? [] : [`${f.source} [${l.confidence[f.confidence]}]`]));
  const sources = [...new Set(cited)];
  return sources.length === 0 ? null : sources.join(l.separator);
}
