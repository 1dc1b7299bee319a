import type {
  CarbonReport,
  CarbonSummary,
  ComparisonGap,
  FactorRef,
  Indicator,
  ReportLine,
} from './carbon-report-types.js';
import { LABELS, endUseEn, gapText, noteText, type Labels, type ReportLang } from './report-labels.js';

/**
 * The carbon report as one printable HTML document (A4, Chinese or English),
 * for the browser's print dialog and for the PDF renderer (src/platform/browser).
 * Self-contained: print CSS, charts as inline SVG built here, no script, no
 * external resource, so the same figures print the same everywhere.
 *
 * Every figure is a cell whose text is rounded for reading in the locale's
 * form (zh-CN, en-GB) and whose `data-value` holds the report's full-precision
 * number, so a reader (or a test) can match the page to the JSON report by value.
 * Every text from the report (names, ids, notes, sources) is escaped.
 */

/** The closed revision's seal, passed by whoever closed the period (the report itself is never signed). */
export interface ReportSignature {
  readonly revision: number;
  /** SHA-256 of the revision's canonical JSON, hex. */
  readonly digest: string;
  readonly keyId: string;
  readonly signature: string;
  /** ISO-8601 instant. */
  readonly closedAt: string;
}

export interface HtmlOptions {
  /** zh (default) or en. */
  readonly lang?: ReportLang;
  /** Absent: the report is an open one and says that its figures may change. */
  readonly signature?: ReportSignature;
}

/** Words that only the printed document uses; shared labels come from report-labels.ts. */
interface PrintLabels {
  readonly locale: string;
  readonly keyFigures: string;
  readonly scopeChart: string;
  readonly carrierChart: string;
  readonly endUseChart: (carrier: string, unit: string) => string;
  readonly childrenChart: string;
  readonly scopes: string;
  readonly scopeRows: readonly [string, string, string];
  readonly scopeHeader: readonly [string, string, string];
  readonly coveredKwh: string;
  readonly instruments: string;
  readonly instrumentHeader: readonly string[];
  readonly instrumentKinds: Readonly<Record<string, string>>;
  readonly quality: string;
  readonly qualityHeader: readonly string[];
  readonly comparisons: string;
  readonly previousHeader: readonly [string, string, string, string];
  readonly baselineHeader: readonly [string, string, string, string];
  readonly targetHeader: readonly [string, string, string, string, string];
  readonly signature: string;
  readonly closed: (revision: number) => string;
  readonly notClosed: string;
  readonly signatureFields: {
    readonly revision: string;
    readonly closedAt: string;
    readonly digest: string;
    readonly keyId: string;
    readonly signature: string;
  };
  readonly none: string;
}

const PRINT: Readonly<Record<ReportLang, PrintLabels>> = {
  zh: {
    locale: 'zh-CN',
    keyFigures: '主要指标',
    scopeChart: '二氧化碳排放构成（kgCO2e）',
    carrierChart: '综合能耗按能源品种（kgce）',
    endUseChart: (carrier, unit) => `${carrier}分项能耗（${unit}）`,
    childrenChart: '下级单位单位面积能耗（kgce/m2）',
    scopes: '范围一与范围二',
    scopeRows: ['范围一（化石燃料燃烧）', '范围二（基于位置）', '范围二（基于市场）'],
    scopeHeader: ['范围', '二氧化碳排放(kgCO2e)', '占比（范围一 + 范围二 基于位置）'],
    coveredKwh: '绿证/绿电抵扣电量(kWh)',
    instruments: '绿证与绿电交易',
    instrumentHeader: ['编号', '类别', '机构', '年度', '电量(kWh)', '分摊(kWh)', '抵扣(kWh)'],
    instrumentKinds: { green_certificate: '绿证', green_power_contract: '绿电交易合同' },
    quality: '数据完整率与估算',
    qualityHeader: [
      '能源品种',
      '核算方法',
      '实收读数',
      '应收读数',
      '数据完整率',
      '估算量',
      '估算占比',
      '待复核量',
      '单位',
    ],
    comparisons: '对比与目标',
    previousHeader: ['指标', '本期', '上年同期', '变化'],
    baselineHeader: ['指标', '基准年', '本期', '变化'],
    targetHeader: ['指标', '目标（较基准年）', '应达', '实际', '状态'],
    signature: '签署',
    closed: (revision) => `已关账：第 ${revision} 版，数字不再变动`,
    notClosed: '未关账——数字可能变动',
    signatureFields: {
      revision: '版本',
      closedAt: '关账时间',
      digest: '摘要（SHA-256）',
      keyId: '密钥标识',
      signature: '签名',
    },
    none: '无',
  },
  en: {
    locale: 'en-GB',
    keyFigures: 'Key figures',
    scopeChart: 'CO2 emissions by scope (kgCO2e)',
    carrierChart: 'Total energy by carrier (kgce)',
    endUseChart: (carrier, unit) => `${carrier} by end use (${unit})`,
    childrenChart: 'Energy per area of the units below (kgce/m2)',
    scopes: 'Scope 1 and scope 2',
    scopeRows: ['Scope 1 (fuel combustion)', 'Scope 2 (location-based)', 'Scope 2 (market-based)'],
    scopeHeader: ['Scope', 'CO2 emissions (kgCO2e)', 'Share (of scope 1 + scope 2 location-based)'],
    coveredKwh: 'Covered by instruments (kWh)',
    instruments: 'Green certificates and green-power contracts',
    instrumentHeader: ['Id', 'Kind', 'Institution', 'Vintage', 'Energy (kWh)', 'Allocated (kWh)', 'Applied (kWh)'],
    instrumentKinds: { green_certificate: 'green certificate', green_power_contract: 'green-power contract' },
    quality: 'Completeness and estimates',
    qualityHeader: [
      'Carrier',
      'Method',
      'Readings received',
      'Readings expected',
      'Completeness',
      'Estimated',
      'Estimated share',
      'Awaiting review',
      'Unit',
    ],
    comparisons: 'Comparisons and targets',
    previousHeader: ['Indicator', 'This period', 'Same period last year', 'Change'],
    baselineHeader: ['Indicator', 'Baseline year', 'This period', 'Change'],
    targetHeader: ['Indicator', 'Target (against the baseline)', 'Required', 'Achieved', 'Status'],
    signature: 'Signature',
    closed: (revision) => `Closed: revision ${revision}, its figures no longer change`,
    notClosed: 'Not closed — figures may change',
    signatureFields: {
      revision: 'Revision',
      closedAt: 'Closed at',
      digest: 'Digest (SHA-256)',
      keyId: 'Key id',
      signature: 'Signature',
    },
    none: 'none',
  },
};

// ---------------------------------------------------------------------------
// Text and numbers

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** HTML-escapes text for element content and quoted attribute values alike. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Decimals per kind of figure (the CSV's, except percentages, printed to 1 decimal). */
const DIGITS = { qty: 3, kg: 2, tce: 3, intensity: 4, percent: 1, count: 0 } as const;
type Digits = keyof typeof DIGITS;
/** Consumption by unit: kWh and kg to 2 decimals, m3 and GJ to 3 (litres and MJ), litres of fuel to 1. */
const UNIT_DIGITS: Readonly<Record<string, number>> = { kWh: 2, kg: 2, m3: 3, GJ: 3, L: 1 };

const DASH = '—';

class NumberText {
  private readonly formats = new Map<number, Intl.NumberFormat>();
  constructor(private readonly locale: string) {}

  /** Fixed decimals in the locale's form; a value that rounds to zero prints as 0, never -0. */
  format(value: number | null | undefined, digits: number): string {
    if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
    let format = this.formats.get(digits);
    if (format === undefined) {
      format = new Intl.NumberFormat(this.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
      this.formats.set(digits, format);
    }
    const rounded = Number(value.toFixed(digits));
    return format.format(rounded === 0 ? 0 : rounded);
  }
}

interface Ctx {
  readonly lang: ReportLang;
  readonly l: Labels;
  readonly p: PrintLabels;
  readonly n: NumberText;
}

const text = (value: string | null | undefined): string => (value === null || value === undefined ? DASH : value);

/** A table cell holding one figure: rounded text, the full value in data-value (and its field, if named). */
function num(c: Ctx, value: number | null | undefined, kind: Digits | number, field?: string): string {
  const digits = typeof kind === 'number' ? kind : DIGITS[kind];
  const attrs = [
    value === null || value === undefined ? '' : ` data-value="${String(value)}"`,
    field === undefined ? '' : ` data-field="${escapeHtml(field)}"`,
  ].join('');
  return `<td class="n"${attrs}>${escapeHtml(c.n.format(value, digits))}</td>`;
}

/** A share 0..1 as a percentage cell (data-value keeps the share). */
function share(c: Ctx, value: number | null | undefined, field?: string): string {
  const attrs = [
    value === null || value === undefined ? '' : ` data-value="${String(value)}"`,
    field === undefined ? '' : ` data-field="${escapeHtml(field)}"`,
  ].join('');
  const shown = value === null || value === undefined ? DASH : `${c.n.format(value * 100, DIGITS.percent)}%`;
  return `<td class="n"${attrs}>${escapeHtml(shown)}</td>`;
}

/** A percent change (already × 100), signed. */
function change(c: Ctx, value: number | null | undefined): string {
  const attrs = value === null || value === undefined ? '' : ` data-value="${String(value)}"`;
  const shown =
    value === null || value === undefined
      ? DASH
      : `${value > 0 && Number(value.toFixed(DIGITS.percent)) !== 0 ? '+' : ''}${c.n.format(value, DIGITS.percent)}%`;
  return `<td class="n"${attrs}>${escapeHtml(shown)}</td>`;
}

const td = (value: string | null | undefined, cls?: string): string =>
  `<td${cls === undefined ? '' : ` class="${cls}"`}>${escapeHtml(text(value))}</td>`;

function table(header: readonly string[], rows: readonly string[], cls = ''): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.length === 0 ? `<tr><td colspan="${header.length}">—</td></tr>` : rows.join('\n');
  return `<table class="${cls}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const tr = (cells: readonly string[]): string => `<tr>${cells.join('')}</tr>`;
const header = (l: Labels, i: number): string => l.summaryHeader[i] ?? '';
const carrierName = (c: Ctx, carrier: string): string => c.l.carriers[carrier] ?? carrier;
const methodName = (c: Ctx, line: ReportLine): string => c.l.methods[line.method] ?? line.method;
const isMarket = (line: ReportLine): boolean => line.method.startsWith('market');

// ---------------------------------------------------------------------------
// Charts: horizontal bars as inline SVG (no script; the fonts come from the page's CSS)

interface Bar {
  readonly label: string;
  readonly value: number | null;
}

const PALETTE = ['#1f5f8b', '#d08c2b', '#3a8f5c', '#8e4b8e', '#b8483a', '#5b6f7d', '#2f9aa0', '#a08a2b'];
const CHART_WIDTH = 680;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 120;
const ROW_HEIGHT = 24;

function barChart(c: Ctx, title: string, bars: readonly Bar[], digits: number): string {
  const max = Math.max(0, ...bars.map((b) => b.value ?? 0));
  const plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = bars.length * ROW_HEIGHT + 8;
  const rows = bars.map((bar, i) => {
    const y = i * ROW_HEIGHT + 4;
    const width = max > 0 && bar.value !== null && bar.value > 0 ? Math.max(1, (bar.value / max) * plot) : 0;
    const colour = PALETTE[i % PALETTE.length] ?? '#1f5f8b';
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW_HEIGHT - 8}" fill="${colour}"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 15}">${escapeHtml(c.n.format(bar.value, digits))}</text>`,
    ].join('');
  });
  return [
    `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%" role="img"`,
    ` aria-label="${escapeHtml(title)}">`,
    `<line x1="${LABEL_WIDTH}" y1="0" x2="${LABEL_WIDTH}" y2="${height}" stroke="#888" stroke-width="1"/>`,
    rows.join('\n'),
    '</svg></figure>',
  ].join('');
}

/** Total energy by carrier: every line's kgce, summed per carrier (market lines carry none). */
function carrierBars(c: Ctx, lines: readonly ReportLine[]): Bar[] {
  const sums = new Map<string, number>();
  for (const line of lines) {
    if (line.kgce === null) continue;
    sums.set(line.carrier, (sums.get(line.carrier) ?? 0) + line.kgce);
  }
  return [...sums].map(([carrier, kgce]) => ({ label: carrierName(c, carrier), value: kgce }));
}

// ---------------------------------------------------------------------------
// Sections

function cover(c: Ctx, report: CarbonReport, signature: ReportSignature | undefined): string {
  const { l, p } = c;
  const h = l.header;
  const meta: Array<[string, string]> = [
    [h.org, `${report.org.name} (${report.org.id})`],
    [header(l, 1), l.levels[report.org.level] ?? report.org.level],
    [h.period, report.period.label],
    [h.fromTo, `${report.period.from} — ${report.period.to}`],
    [h.timezone, report.timezone],
    [h.basis, l.bases[report.basis] ?? report.basisLabel],
    [h.status, report.inProgress ? l.status.inProgress : l.status.ended],
    [h.generated, report.generatedAt],
    [h.cutoff, report.dataCutoff],
    [h.methodology, report.methodologyVersion],
    [h.catalogue, report.factorCatalogueVersion],
  ];
  const seal = signature === undefined ? p.notClosed : p.closed(signature.revision);
  return [
    '<header class="cover">',
    `<p class="kicker">${escapeHtml(l.title)}</p>`,
    `<h1>${escapeHtml(report.org.name)} <span class="period">${escapeHtml(report.period.label)}</span></h1>`,
    `<p class="seal ${signature === undefined ? 'open' : 'closed'}">${escapeHtml(seal)}</p>`,
    '<table class="meta"><tbody>',
    meta.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n'),
    '</tbody></table>',
    '</header>',
  ].join('\n');
}

function keyFigures(c: Ctx, report: CarbonReport): string {
  const { l, p } = c;
  const t = report.totals;
  const rows: Array<[string, string]> = [
    [header(l, 2), num(c, t.kgce, 'kg', 'totals.kgce')],
    [header(l, 3), num(c, t.tce, 'tce', 'totals.tce')],
    [header(l, 4), num(c, t.co2eKg, 'kg', 'totals.co2eKg')],
    [header(l, 5), num(c, t.scope1Kg, 'kg', 'totals.scope1Kg')],
    [header(l, 6), num(c, t.scope2LocationKg, 'kg', 'totals.scope2LocationKg')],
    [header(l, 7), num(c, t.scope2MarketKg, 'kg', 'totals.scope2MarketKg')],
    [header(l, 8), num(c, report.waterM3, 'qty', 'waterM3')],
    [header(l, 9), num(c, report.denominators.floorAreaM2, 'kg', 'denominators.floorAreaM2')],
    [header(l, 10), num(c, report.denominators.occupants, 'kg', 'denominators.occupants')],
    [header(l, 11), num(c, report.intensity.kgcePerM2, 'intensity', 'intensity.kgcePerM2')],
    [header(l, 12), num(c, report.intensity.kgcePerPerson, 'intensity', 'intensity.kgcePerPerson')],
    [header(l, 13), num(c, report.intensity.waterM3PerPerson, 'intensity', 'intensity.waterM3PerPerson')],
    [header(l, 14), num(c, report.intensity.co2eKgPerM2, 'intensity', 'intensity.co2eKgPerM2')],
    [header(l, 15), share(c, report.completeness, 'completeness')],
    [header(l, 16), share(c, report.completenessToDate, 'completenessToDate')],
    [header(l, 17), num(c, report.reviews, 'count', 'reviews')],
  ];
  const half = Math.ceil(rows.length / 2);
  const column = (part: Array<[string, string]>) =>
    `<table class="figures"><tbody>${part.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th>${v}</tr>`).join('\n')}` +
    '</tbody></table>';
  const scopeBars: Bar[] = [
    { label: p.scopeRows[0], value: t.scope1Kg },
    { label: p.scopeRows[1], value: t.scope2LocationKg },
    { label: p.scopeRows[2], value: t.scope2MarketKg },
  ];
  return [
    `<section class="key"><h2>${escapeHtml(p.keyFigures)}</h2>`,
    `<div class="columns">${column(rows.slice(0, half))}${column(rows.slice(half))}</div>`,
    barChart(c, p.scopeChart, scopeBars, DIGITS.kg),
    barChart(c, p.carrierChart, carrierBars(c, report.lines), DIGITS.kg),
    '</section>',
  ].join('\n');
}

/** The factor's value and unit, its catalogue id below (the factor table has the rest). */
function factorCell(f: FactorRef | null): string {
  if (f === null) return td(null);
  return `<td class="factor">${escapeHtml(`${f.value} ${f.unit}`)}<br><span class="id">${escapeHtml(f.id)}</span></td>`;
}

function linesSection(c: Ctx, report: CarbonReport): string {
  const { l } = c;
  const h = (i: number) => l.lineHeader[i] ?? '';
  const head = [h(0), h(1), h(2), h(3), h(4), h(5), h(7), h(8), h(9), h(10)];
  const rows = report.lines.map((line, i) =>
    tr([
      td(carrierName(c, line.carrier)),
      td(line.endUse, 'id nw'),
      td(line.scope === null ? DASH : l.scopes[line.scope], 'nw'),
      td(methodName(c, line)),
      num(c, line.consumption, UNIT_DIGITS[line.unit] ?? DIGITS.qty, `lines.${i}.consumption`),
      td(line.unit, 'nw'),
      num(c, line.kgce, 'kg', `lines.${i}.kgce`),
      num(c, line.co2eKg, 'kg', `lines.${i}.co2eKg`),
      factorCell(line.factor),
      factorCell(line.coalFactor),
    ]),
  );
  return `<section class="page"><h2>${escapeHtml(l.lines)}</h2>\n${table(head, rows, 'wide')}</section>`;
}

function scopesSection(c: Ctx, report: CarbonReport): string {
  const { p } = c;
  const t = report.totals;
  const gross = t.scope1Kg + t.scope2LocationKg;
  const ratio = (value: number) => (gross > 0 ? value / gross : null);
  const rows = [
    tr([td(p.scopeRows[0]), num(c, t.scope1Kg, 'kg'), share(c, ratio(t.scope1Kg))]),
    tr([td(p.scopeRows[1]), num(c, t.scope2LocationKg, 'kg'), share(c, ratio(t.scope2LocationKg))]),
    tr([td(p.scopeRows[2]), num(c, t.scope2MarketKg, 'kg'), share(c, ratio(t.scope2MarketKg))]),
  ];
  const market = report.lines.filter(isMarket);
  const covered = market.map((line) =>
    tr([td(methodName(c, line)), num(c, line.coveredKwh ?? 0, 'kg'), num(c, line.co2eKg, 'kg')]),
  );
  const instruments = market.flatMap((line) => line.instruments ?? []);
  const instrumentRows = instruments.map((u) =>
    tr([
      td(u.id, 'id'),
      td(p.instrumentKinds[u.kind] ?? u.kind),
      td(u.institutionId, 'id'),
      td(String(u.vintageYear)),
      num(c, u.energyKwh, 'kg'),
      num(c, u.allocatedKwh, 'kg'),
      num(c, u.appliedKwh, 'kg'),
    ]),
  );
  return [
    `<section><h2>${escapeHtml(p.scopes)}</h2>`,
    table(p.scopeHeader, rows),
    market.length === 0 ? '' : table([p.scopeHeader[0], p.coveredKwh, p.scopeHeader[1]], covered),
    instruments.length === 0
      ? ''
      : `<h3>${escapeHtml(p.instruments)}</h3>\n${table(p.instrumentHeader, instrumentRows)}`,
    '</section>',
  ].join('\n');
}

function endUsesSection(c: Ctx, report: CarbonReport): string {
  const { l, p, lang } = c;
  if (report.endUses.length === 0) return '';
  const label = (e: CarbonReport['endUses'][number]) => {
    const itemized = e.kind === 'item' || e.kind === 'sub-item';
    return lang === 'zh' ? e.label : itemized ? endUseEn(e.endUse) : l.endUseKinds[e.kind];
  };
  const rows = report.endUses.map((e, i) =>
    tr([
      td(carrierName(c, e.carrier)),
      td(e.endUse, 'id nw'),
      td(label(e)),
      td(l.endUseKinds[e.kind]),
      num(c, e.consumption, UNIT_DIGITS[e.unit] ?? DIGITS.qty, `endUses.${i}.consumption`),
      td(e.unit),
    ]),
  );
  // One chart per carrier with a breakdown: its items, unclassified and unmetered rows partition the total.
  const carriers = [...new Set(report.endUses.map((e) => e.carrier))];
  const charts = carriers.flatMap((carrier) => {
    const parts = report.endUses.filter((e) => e.carrier === carrier && e.kind !== 'sub-item');
    if (parts.length < 2) return [];
    const unit = parts[0]?.unit ?? '';
    const bars = parts.map((e) => ({ label: `${e.endUse ?? ''} ${label(e) ?? ''}`.trim(), value: e.consumption }));
    return [barChart(c, p.endUseChart(carrierName(c, carrier), unit), bars, UNIT_DIGITS[unit] ?? DIGITS.qty)];
  });
  return [
    `<section><h2>${escapeHtml(l.endUses)}</h2>`,
    table(l.endUseHeader, rows),
    charts.join('\n'),
    '</section>',
  ].join('\n');
}

/** Every catalogue entry the report (and its children) applied, once, in order of first use. */
export function usedFactors(report: CarbonReport): FactorRef[] {
  const seen = new Map<string, FactorRef>();
  const lines = [...report.lines, ...report.children.flatMap((child) => child.lines)];
  for (const line of lines) {
    for (const f of [line.factor, line.coalFactor, line.densityFactor]) {
      if (f !== null && !seen.has(f.id)) seen.set(f.id, f);
    }
  }
  return [...seen.values()];
}

function factorsSection(c: Ctx, report: CarbonReport): string {
  const { l } = c;
  const rows = usedFactors(report).map((f) => {
    const validity =
      f.year !== null
        ? f.fallback
          ? l.fallback(f.year, f.fallback.requestedYear)
          : String(f.year)
        : [f.validFrom, f.validTo].filter((d) => d !== null).join(' — ') || DASH;
    const region = f.region === null ? null : (l.regions[f.region] ?? f.region);
    const link =
      f.sourceUrl === null ? '' : `<br><a class="url" href="${escapeHtml(f.sourceUrl)}">${escapeHtml(f.sourceUrl)}</a>`;
    return tr([
      td(f.id, 'id'),
      td(l.factorKinds[f.kind]),
      `<td class="n" data-value="${String(f.value)}">${escapeHtml(String(f.value))}</td>`,
      td(f.unit),
      td(validity),
      td(region),
      td([f.series, f.variant].filter((v) => v !== null).join(' / ')),
      `<td class="source">${escapeHtml(f.source)}${link}</td>`,
      td(`${f.confidence} ${l.confidence[f.confidence] === f.confidence ? '' : l.confidence[f.confidence]}`.trim()),
    ]);
  });
  return `<section><h2>${escapeHtml(l.factors)}</h2>\n${table(l.factorHeader, rows, 'wide')}</section>`;
}

function qualitySection(c: Ctx, report: CarbonReport): string {
  const { p } = c;
  // The market line repeats the location line's meters: its readings are listed once, under the location line.
  const rows = report.lines
    .filter((line) => !isMarket(line))
    .map((line) =>
      tr([
        td(carrierName(c, line.carrier)),
        td(methodName(c, line)),
        num(c, line.readings.received, 'count'),
        num(c, line.readings.expected, 'count'),
        share(c, line.completeness),
        num(c, line.estimatedAmount, UNIT_DIGITS[line.unit] ?? DIGITS.qty),
        share(c, line.estimatedShare),
        num(c, line.quarantinedAmount, UNIT_DIGITS[line.unit] ?? DIGITS.qty),
        td(line.unit),
      ]),
    );
  return `<section><h2>${escapeHtml(p.quality)}</h2>\n${table(p.qualityHeader, rows)}</section>`;
}

function comparisonsSection(c: Ctx, report: CarbonReport): string {
  const { l, p, lang } = c;
  const { comparisons } = report;
  const gap = (code: ComparisonGap | null, reason: string | null) =>
    `<p class="gap">${escapeHtml(text(gapText(lang, code, reason)))}</p>`;
  const parts: string[] = [`<section><h2>${escapeHtml(p.comparisons)}</h2>`];

  parts.push(`<h3>${escapeHtml(l.previousYear)}</h3>`);
  const previous = comparisons.previousYear;
  if (previous === null) {
    parts.push(gap(comparisons.previousYearReasonCode, comparisons.previousYearReason));
  } else {
    const ch = previous.changePercent;
    const metrics: Array<[string, number | null, number | null, number | null, Digits]> = [
      [l.changes[0], report.totals.kgce, previous.totals.kgce, ch.kgce, 'kg'],
      [l.changes[1], report.totals.co2eKg, previous.totals.co2eKg, ch.co2eKg, 'kg'],
      [header(l, 5), report.totals.scope1Kg, previous.totals.scope1Kg, ch.scope1Kg, 'kg'],
      [header(l, 6), report.totals.scope2LocationKg, previous.totals.scope2LocationKg, ch.scope2LocationKg, 'kg'],
      [header(l, 7), report.totals.scope2MarketKg, previous.totals.scope2MarketKg, ch.scope2MarketKg, 'kg'],
      [l.changes[2], report.waterM3, previous.waterM3, ch.waterM3, 'qty'],
      [l.changes[3], report.intensity.kgcePerM2, previous.intensity.kgcePerM2, ch.kgcePerM2, 'intensity'],
      [l.changes[4], report.intensity.kgcePerPerson, previous.intensity.kgcePerPerson, ch.kgcePerPerson, 'intensity'],
      [
        l.changes[5],
        report.intensity.waterM3PerPerson,
        previous.intensity.waterM3PerPerson,
        ch.waterM3PerPerson,
        'intensity',
      ],
      [l.changes[6], report.intensity.co2eKgPerM2, previous.intensity.co2eKgPerM2, ch.co2eKgPerM2, 'intensity'],
    ];
    const [name, current, before, changeHead] = p.previousHeader;
    const rows = metrics.map(([label, now, then, delta, digits]) =>
      tr([td(label), num(c, now, digits), num(c, then, digits), change(c, delta)]),
    );
    parts.push(table([name, current, `${before} ${previous.period}`, changeHead], rows));
  }

  parts.push(`<h3>${escapeHtml(l.baselineYear)}</h3>`);
  const baseline = comparisons.baseline;
  if (baseline === null) {
    parts.push(gap(comparisons.baselineReasonCode, comparisons.baselineReason));
  } else {
    const [name, base, current, delta] = p.baselineHeader;
    const rows = baseline.indicators.map((i) =>
      tr([
        td(indicatorName(l, i.indicator)),
        num(c, i.baseline, 'intensity'),
        num(c, i.current, 'intensity'),
        change(c, i.changePercent),
      ]),
    );
    parts.push(table([name, `${base} ${baseline.year}`, current, delta], rows));
  }

  if (comparisons.targets.length > 0) {
    parts.push(`<h3>${escapeHtml(l.target)}</h3>`);
    const rows = comparisons.targets.map((t) => {
      const status =
        t.onTrack === null ? gapText(lang, t.reasonCode, t.reason) : t.onTrack ? l.onTrack.yes : l.onTrack.no;
      return tr([
        td(indicatorName(l, t.indicator)),
        td(`${t.changePercent > 0 ? '+' : ''}${t.changePercent}% (${t.baselineYear} → ${t.byYear})`),
        change(c, t.requiredChangePercent),
        change(c, t.achievedChangePercent),
        td(status, t.onTrack === false ? 'off' : t.onTrack === true ? 'on' : undefined),
      ]);
    });
    parts.push(table(p.targetHeader, rows));
  }
  parts.push('</section>');
  return parts.join('\n');
}

const indicatorName = (l: Labels, indicator: Indicator): string => l.indicators[indicator];

function childRow(c: Ctx, s: CarbonSummary, i: number): string {
  const { l } = c;
  return tr([
    td(`${s.org.name} (${s.org.id})`),
    td(l.levels[s.org.level] ?? s.org.level, 'nw'),
    num(c, s.totals.kgce, 'kg', `children.${i}.totals.kgce`),
    num(c, s.totals.co2eKg, 'kg', `children.${i}.totals.co2eKg`),
    num(c, s.totals.scope1Kg, 'kg'),
    num(c, s.totals.scope2LocationKg, 'kg'),
    num(c, s.totals.scope2MarketKg, 'kg'),
    num(c, s.waterM3, 'qty'),
    num(c, s.intensity.kgcePerM2, 'intensity', `children.${i}.intensity.kgcePerM2`),
    num(c, s.intensity.co2eKgPerM2, 'intensity'),
    share(c, s.completeness),
  ]);
}

function childrenSection(c: Ctx, report: CarbonReport): string {
  const { l, p } = c;
  if (report.children.length === 0) return '';
  const head = [0, 1, 2, 4, 5, 6, 7, 8, 11, 14, 15].map((i) => header(l, i));
  const rows = report.children.map((child, i) => childRow(c, child, i));
  const bars = report.children.map((child) => ({ label: child.org.name, value: child.intensity.kgcePerM2 }));
  return [
    `<section><h2>${escapeHtml(l.children)}</h2>`,
    table(head, rows, 'wide'),
    barChart(c, p.childrenChart, bars, DIGITS.intensity),
    '</section>',
  ].join('\n');
}

function subMeteringSection(c: Ctx, report: CarbonReport): string {
  const { l } = c;
  if (report.subMetering.length === 0) return '';
  const rows = report.subMetering.map((b) => {
    const digits = UNIT_DIGITS[b.unit] ?? DIGITS.qty;
    return tr([
      td(b.meterId, 'id'),
      td(b.name),
      td(b.institutionId, 'id'),
      td(carrierName(c, b.carrier)),
      num(c, b.parentConsumption, digits),
      num(c, b.pvBehind, digits),
      num(c, b.childrenConsumption, digits),
      num(c, b.unmetered, digits),
      change(c, b.imbalancePercent),
      td(b.unit),
    ]);
  });
  return `<section><h2>${escapeHtml(l.subMetering)}</h2>\n${table(l.subMeteringHeader, rows, 'wide')}</section>`;
}

function notesSection(c: Ctx, report: CarbonReport): string {
  const { l, lang } = c;
  if (report.notes.length === 0) return '';
  const items = report.notes.map((note, i) => `<li>${escapeHtml(noteText(note, i, lang, l))}</li>`);
  return `<section><h2>${escapeHtml(l.notes)}</h2>\n<ol class="notes">\n${items.join('\n')}\n</ol></section>`;
}

function signatureSection(c: Ctx, signature: ReportSignature | undefined): string {
  const { p } = c;
  if (signature === undefined) {
    return `<section class="signature"><h2>${escapeHtml(p.signature)}</h2><p class="seal open">${escapeHtml(
      p.notClosed,
    )}</p></section>`;
  }
  const f = p.signatureFields;
  const rows: Array<[string, string]> = [
    [f.revision, String(signature.revision)],
    [f.closedAt, signature.closedAt],
    [f.digest, signature.digest],
    [f.keyId, signature.keyId],
    [f.signature, signature.signature],
  ];
  return [
    `<section class="signature"><h2>${escapeHtml(p.signature)}</h2>`,
    `<p class="seal closed">${escapeHtml(p.closed(signature.revision))}</p>`,
    '<table class="meta"><tbody>',
    rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="id hash">${escapeHtml(v)}</td></tr>`).join('\n'),
    '</tbody></table></section>',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// The document

const FONT_STACK =
  "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

const STYLE = `
@page { size: A4; margin: 16mm 13mm 16mm 13mm; }
* { box-sizing: border-box; }
html { font-family: ${FONT_STACK}; font-size: 9pt; color: #1a1a1a; line-height: 1.4; }
body { margin: 0; }
h1 { font-size: 18pt; margin: 2mm 0 3mm; }
h1 .period { color: #1f5f8b; margin-left: 3mm; }
h2 { font-size: 12.5pt; margin: 6mm 0 2.5mm; padding-bottom: 1mm; border-bottom: 0.6mm solid #1f5f8b;
  break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1.5mm; break-after: avoid; }
.kicker { font-size: 10pt; color: #555; margin: 0; }
.seal { display: inline-block; padding: 1mm 3mm; border-radius: 1mm; font-weight: bold; margin: 0 0 3mm; }
.seal.open { border: 0.4mm solid #b8483a; color: #b8483a; }
.seal.closed { border: 0.4mm solid #3a8f5c; color: #3a8f5c; }
section.page { break-before: page; }
table { border-collapse: collapse; width: 100%; margin: 0 0 3mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 0.2mm solid #b9c2c9; padding: 0.8mm 1.5mm; vertical-align: top; text-align: left; }
thead th { background: #e8eef3; font-weight: bold; }
table.wide { font-size: 7.5pt; }
table.meta th, table.figures th { background: #f4f6f8; font-weight: normal; white-space: normal; }
table.meta th { width: 28%; }
table.figures th { width: 62%; }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.id, td.factor .id { font-family: 'DejaVu Sans Mono', monospace; font-size: 6.5pt; word-break: break-all; }
td.id.nw { word-break: normal; }
td.nw, th { white-space: nowrap; }
thead th { white-space: normal; }
td.factor { font-size: 7pt; }
td.hash { font-size: 7.5pt; }
td.source { font-size: 7pt; }
td.on { color: #3a8f5c; font-weight: bold; }
td.off { color: #b8483a; font-weight: bold; }
a.url { color: #1f5f8b; word-break: break-all; text-decoration: none; }
.columns { display: flex; gap: 4mm; }
.columns > table { flex: 1; }
figure.chart { margin: 3mm 0; break-inside: avoid; }
figure.chart figcaption { font-weight: bold; margin-bottom: 1mm; }
figure.chart svg { font-family: ${FONT_STACK}; font-size: 12px; fill: #1a1a1a; }
p.gap { color: #555; margin: 0 0 2mm; }
ol.notes { padding-left: 6mm; margin: 0; }
ol.notes li { margin-bottom: 1mm; break-inside: avoid; }
section.signature { break-inside: avoid; }
@media screen { body { max-width: 210mm; margin: 0 auto; padding: 10mm; } }
`;

export function carbonReportHtml(report: CarbonReport, options: HtmlOptions = {}): string {
  const lang = options.lang ?? 'zh';
  const p = PRINT[lang];
  const c: Ctx = { lang, l: LABELS[lang], p, n: new NumberText(p.locale) };
  const title = `${c.l.title} — ${report.org.name} ${report.period.label}`;
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang === 'zh' ? 'zh-CN' : 'en-GB'}">`,
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style></head>`,
    '<body>',
    cover(c, report, options.signature),
    keyFigures(c, report),
    linesSection(c, report),
    scopesSection(c, report),
    qualitySection(c, report),
    factorsSection(c, report),
    endUsesSection(c, report),
    subMeteringSection(c, report),
    comparisonsSection(c, report),
    childrenSection(c, report),
    notesSection(c, report),
    signatureSection(c, options.signature),
    '</body></html>',
    '',
  ].join('\n');
}
