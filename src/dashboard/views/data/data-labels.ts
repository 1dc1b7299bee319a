import type { Lang, Locale, Messages } from '../../i18n/i18n.js';

/** Words the three data views share: carriers, units, bucket qualities, scopes, periods. */
export const dataMessages: Messages<
  | 'electricity'
  | 'water'
  | 'natural_gas'
  | 'district_heat'
  | 'diesel'
  | 'gasoline'
  | 'lpg'
  | 'coal'
  | 'pv_generation'
  | 'measured'
  | 'estimated'
  | 'partial'
  | 'no_data'
  | 'quarantined'
  | 'qualityLegend'
  | 'loading'
  | 'failed'
  | 'table'
  | 'period'
  | 'lastMonth'
  | 'thisMonth'
  | 'thisYear'
  | 'unmetered'
  | 'unclassified'
> = {
  zh: {
    electricity: '电力',
    water: '水',
    natural_gas: '天然气',
    district_heat: '集中供热',
    diesel: '柴油',
    gasoline: '汽油',
    lpg: '液化石油气',
    coal: '煤',
    pv_generation: '光伏发电',
    measured: '实测',
    estimated: '估算',
    partial: '部分缺失',
    no_data: '无数据',
    quarantined: '待复核',
    qualityLegend: '数据质量：实测、估算（区间插补）、部分缺失、无数据、待复核（隔离的读数未计入任何数字）。',
    loading: '正在加载…',
    failed: '无法加载数据（{code}）：{message}',
    table: '数据表',
    period: '期间',
    lastMonth: '上月',
    thisMonth: '本月',
    thisYear: '本年至今',
    unmetered: '未计量（损耗及无分表负荷）',
    unclassified: '未分项',
  },
  en: {
    electricity: 'Electricity',
    water: 'Water',
    natural_gas: 'Natural gas',
    district_heat: 'District heat',
    diesel: 'Diesel',
    gasoline: 'Gasoline',
    lpg: 'LPG',
    coal: 'Coal',
    pv_generation: 'PV generation',
    measured: 'measured',
    estimated: 'estimated',
    partial: 'partial',
    no_data: 'no data',
    quarantined: 'held for review',
    qualityLegend:
      'Data quality: measured, estimated (spread over a gap), partial, no data, held for review (quarantined ' +
      'readings, counted in no figure).',
    loading: 'Loading…',
    failed: 'The data could not be loaded ({code}): {message}',
    table: 'Data table',
    period: 'Period',
    lastMonth: 'Last month',
    thisMonth: 'This month',
    thisYear: 'This year to date',
    unmetered: 'unmetered (losses and loads without a sub-meter)',
    unclassified: 'unclassified',
  },
};

export type DataKey = keyof (typeof dataMessages)['zh'];

export function carrierName(locale: Locale, carrier: string): string {
  return carrier in dataMessages.zh ? locale.t(dataMessages, carrier as DataKey) : carrier;
}

export const QUALITIES = ['measured', 'estimated', 'partial', 'no_data', 'quarantined'] as const;
export type Quality = (typeof QUALITIES)[number];

export function qualityName(locale: Locale, quality: string): string {
  return (QUALITIES as readonly string[]).includes(quality) ? locale.t(dataMessages, quality as Quality) : quality;
}

/** Units as an officer writes them. */
export function unitName(unit: string): string {
  return unit === 'm3' ? 'm³' : unit;
}

/**
 * The 分项 items and sub-items in English; the Chinese labels come with the report. The same table as the
 * printable report's (accounting/core/report-labels.ts): the dashboard imports nothing of the server.
 */
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

export interface EndUseRow {
  carrier: string;
  kind: string;
  endUse: string | null;
  label: string;
  consumption: number;
  unit: string;
}

export function endUseName(lang: Lang, row: Pick<EndUseRow, 'kind' | 'endUse' | 'label'>): string {
  if (lang === 'zh') return row.label;
  if (row.kind === 'unmetered') return dataMessages.en.unmetered;
  if (row.kind === 'unclassified') return dataMessages.en.unclassified;
  return (row.endUse === null ? undefined : END_USES_EN[row.endUse]) ?? row.label;
}

/** Local calendar parts of an instant in a time zone. */
export function localParts(ms: number, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(ms))
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

/** YYYY-MM of the month `offset` months from the local month of `ms` (-1: last month). */
export function monthLabel(ms: number, timeZone: string, offset = 0): string {
  const { year, month } = localParts(ms, timeZone);
  const index = year * 12 + (month - 1) + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** A period label (YYYY-MM or YYYY) in words: 2026年11月, Nov 2026; 2026年, 2026. */
export function periodName(locale: Locale, period: string): string {
  const [year, month] = period.split('-').map(Number);
  if (year === undefined || Number.isNaN(year)) return period;
  // Noon UTC on the 15th lies inside the month in every time zone.
  if (month !== undefined) return locale.month(Date.UTC(year, month - 1, 15, 12));
  return locale.lang === 'zh' ? `${year}年` : String(year);
}
