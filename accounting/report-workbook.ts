import type ExcelJS from 'exceljs';
import {
  LABELS,
  endUseEn,
  factorText,
  gapText,
  sourceText,
  usedFactors,
  type CarbonReport,
  type CarbonSummary,
  type ReportLang,
  type ReportSignature,
} from './core/index.js';

/**
 * The carbon report as an Excel workbook (exceljs), in Chinese or English: one
 * sheet each for the summary, the lines, 分项 (end uses), the factors and the
 * children. Unlike the CSV, numbers stay numbers at the report's full precision
 * (an auditor's formulas work on them); the cells' number formats round them
 * for reading only. Header rows are frozen; columns have widths.
 */

export interface WorkbookOptions {
  /** zh (default) or en. */
  readonly lang?: ReportLang;
  /** The closed revision's seal; absent: the summary says the figures may change. */
  readonly signature?: ReportSignature;
}

type Value = string | number | null;

/** Number formats by kind of figure; percent shares are 0..1, percent changes are already × 100. */
const FORMAT = {
  qty: '#,##0.000',
  kg: '#,##0.00',
  tce: '#,##0.00000',
  intensity: '#,##0.0000',
  share: '0.00%',
  change: '+0.00"%";-0.00"%";0.00"%"',
  count: '#,##0',
  factor: 'General',
} as const;
type Format = keyof typeof FORMAT;

interface Column {
  readonly header: string;
  readonly width: number;
  readonly format?: Format;
}

const WORDS: Readonly<
  Record<ReportLang, { notClosed: string; closed: string; closedAs: string; field: string; value: string }>
> = {
  zh: { notClosed: '未关账——数字可能变动', closed: '关账状态', closedAs: '已关账，版本', field: '项目', value: '数值' },
  en: {
    notClosed: 'Not closed — figures may change',
    closed: 'Period closing',
    closedAs: 'closed, revision',
    field: 'Item',
    value: 'Value',
  },
};
const SIGNATURE_WORDS: Readonly<Record<ReportLang, readonly [string, string, string, string, string]>> = {
  zh: ['版本', '关账时间', '摘要（SHA-256）', '密钥标识', '签名'],
  en: ['Revision', 'Closed at', 'Digest (SHA-256)', 'Key id', 'Signature'],
};

function addSheet(workbook: ExcelJS.Workbook, name: string, columns: readonly Column[], rows: readonly Value[][]) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'top', wrapText: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF3' } };
  for (const values of rows) {
    const row = sheet.addRow(values);
    columns.forEach((c, i) => {
      if (c.format !== undefined) row.getCell(i + 1).numFmt = FORMAT[c.format];
    });
  }
  return sheet;
}

function summaryRows(report: CarbonReport, lang: ReportLang, signature: ReportSignature | undefined) {
  const l = LABELS[lang];
  const h = (i: number) => l.summaryHeader[i] ?? '';
  const w = WORDS[lang];
  const t = report.totals;
  const rows: Array<[string, Value, Format?]> = [
    [l.header.org, `${report.org.name} (${report.org.id})`],
    [h(1), l.levels[report.org.level] ?? report.org.level],
    [l.header.period, report.period.label],
    [l.header.fromTo, `${report.period.from} — ${report.period.to}`],
    [l.header.timezone, report.timezone],
    [l.header.basis, l.bases[report.basis] ?? report.basisLabel],
    [l.header.status, report.inProgress ? l.status.inProgress : l.status.ended],
    [l.header.generated, report.generatedAt],
    [l.header.cutoff, report.dataCutoff],
    [l.header.methodology, report.methodologyVersion],
    [l.header.catalogue, report.factorCatalogueVersion],
    [h(2), t.kgce, 'kg'],
    [h(3), t.tce, 'tce'],
    [h(4), t.co2eKg, 'kg'],
    [h(5), t.scope1Kg, 'kg'],
    [h(6), t.scope2LocationKg, 'kg'],
    [h(7), t.scope2MarketKg, 'kg'],
    [h(8), report.waterM3, 'qty'],
    [h(9), report.denominators.floorAreaM2, 'kg'],
    [h(10), report.denominators.occupants, 'kg'],
    [h(11), report.intensity.kgcePerM2, 'intensity'],
    [h(12), report.intensity.kgcePerPerson, 'intensity'],
    [h(13), report.intensity.waterM3PerPerson, 'intensity'],
    [h(14), report.intensity.co2eKgPerM2, 'intensity'],
    [h(15), report.completeness, 'share'],
    [h(16), report.completenessToDate, 'share'],
    [h(17), report.reviews, 'count'],
  ];
  const { comparisons } = report;
  const previous = comparisons.previousYear;
  if (previous === null) {
    rows.push([l.previousYear, gapText(lang, comparisons.previousYearReasonCode, comparisons.previousYearReason)]);
  } else {
    const c = previous.changePercent;
    rows.push([l.previousYear, previous.period]);
    const changes = [c.kgce, c.co2eKg, c.waterM3, c.kgcePerM2, c.kgcePerPerson, c.waterM3PerPerson, c.co2eKgPerM2];
    l.changes.forEach((label, i) => rows.push([`${l.previousYear}: ${label}`, changes[i] ?? null, 'change']));
  }
  const baseline = comparisons.baseline;
  if (baseline === null) {
    rows.push([l.baselineYear, gapText(lang, comparisons.baselineReasonCode, comparisons.baselineReason)]);
  } else {
    rows.push([l.baselineYear, baseline.year]);
    for (const i of baseline.indicators)
      rows.push([`${l.baselineYear}: ${l.indicators[i.indicator]}`, i.changePercent, 'change']);
  }
  for (const target of comparisons.targets) {
    const status =
      target.onTrack === null
        ? gapText(lang, target.reasonCode, target.reason)
        : target.onTrack
          ? l.onTrack.yes
          : l.onTrack.no;
    rows.push([`${l.target}: ${l.indicators[target.indicator]} ${target.changePercent}% (${target.byYear})`, status]);
  }
  if (signature === undefined) {
    rows.push([w.closed, w.notClosed]);
  } else {
    const [revision, closedAt, digest, keyId, sig] = SIGNATURE_WORDS[lang];
    rows.push([w.closed, `${w.closedAs} ${signature.revision}`]);
    rows.push([revision, signature.revision, 'count']);
    rows.push([closedAt, signature.closedAt]);
    rows.push([digest, signature.digest]);
    rows.push([keyId, signature.keyId]);
    rows.push([sig, signature.signature]);
  }
  return rows;
}

function childRow(s: CarbonSummary, lang: ReportLang): Value[] {
  const l = LABELS[lang];
  return [
    `${s.org.name} (${s.org.id})`,
    l.levels[s.org.level] ?? s.org.level,
    s.totals.kgce,
    s.totals.tce,
    s.totals.co2eKg,
    s.totals.scope1Kg,
    s.totals.scope2LocationKg,
    s.totals.scope2MarketKg,
    s.waterM3,
    s.denominators.floorAreaM2,
    s.denominators.occupants,
    s.intensity.kgcePerM2,
    s.intensity.kgcePerPerson,
    s.intensity.waterM3PerPerson,
    s.intensity.co2eKgPerM2,
    s.completeness,
    s.completenessToDate,
    s.reviews,
  ];
}

const CHILD_FORMATS: ReadonlyArray<Format | undefined> = [
  undefined,
  undefined,
  'kg',
  'tce',
  'kg',
  'kg',
  'kg',
  'kg',
  'qty',
  'kg',
  'kg',
  'intensity',
  'intensity',
  'intensity',
  'intensity',
  'share',
  'share',
  'count',
];

const LINE_FORMATS: ReadonlyArray<Format | undefined> = [
  undefined,
  undefined,
  undefined,
  undefined,
  'qty',
  undefined,
  'qty',
  'kg',
  'kg',
  undefined,
  undefined,
  undefined,
  undefined,
  'share',
  'share',
  'qty',
  'qty',
  undefined,
];

const LINE_WIDTHS = [14, 9, 9, 22, 16, 7, 14, 16, 18, 34, 34, 26, 50, 11, 11, 12, 14, 30];

export async function carbonReportWorkbook(report: CarbonReport, options: WorkbookOptions = {}): Promise<Buffer> {
  const lang = options.lang ?? 'zh';
  const l = LABELS[lang];
  const w = WORDS[lang];
  // Loaded with the first workbook: exceljs is ~30 MiB of RSS that a service which never builds one would carry.
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  workbook.creator = 'tanhe';
  // The report's own instant, not the clock: the same report gives the same workbook properties.
  workbook.created = new Date(report.generatedAt);
  workbook.modified = workbook.created;
  workbook.title = `${l.title} — ${report.org.name} ${report.period.label}`;

  const summary = summaryRows(report, lang, options.signature);
  const summarySheet = addSheet(
    workbook,
    l.sheets.summary,
    [
      { header: w.field, width: 42 },
      { header: w.value, width: 40 },
    ],
    summary.map(([label, value]) => [label, value]),
  );
  summary.forEach(([, , format], i) => {
    if (format !== undefined) summarySheet.getCell(i + 2, 2).numFmt = FORMAT[format];
  });

  addSheet(
    workbook,
    l.sheets.lines,
    l.lineHeader.map((header, i) => ({ header, width: LINE_WIDTHS[i] ?? 14, format: LINE_FORMATS[i] })),
    report.lines.map((line) => [
      l.carriers[line.carrier] ?? line.carrier,
      line.endUse,
      line.scope === null ? null : l.scopes[line.scope],
      l.methods[line.method] ?? line.method,
      line.consumption,
      line.unit,
      line.massKg,
      line.kgce,
      line.co2eKg,
      factorText(line.factor, l),
      factorText(line.coalFactor, l),
      factorText(line.densityFactor, l),
      sourceText(l, line.factor, line.coalFactor, line.densityFactor),
      line.completeness,
      line.estimatedShare,
      line.quarantinedAmount,
      line.coveredKwh,
      line.meterIds.join(' '),
    ]),
  );

  const endUseFormats: ReadonlyArray<Format | undefined> = [undefined, undefined, undefined, undefined, 'qty'];
  addSheet(
    workbook,
    l.sheets.endUses,
    l.endUseHeader.map((header, i) => ({ header, width: [14, 12, 30, 12, 18, 8][i] ?? 14, format: endUseFormats[i] })),
    report.endUses.map((e) => {
      const itemized = e.kind === 'item' || e.kind === 'sub-item';
      const label = lang === 'zh' ? e.label : itemized ? endUseEn(e.endUse) : l.endUseKinds[e.kind];
      return [l.carriers[e.carrier] ?? e.carrier, e.endUse, label, l.endUseKinds[e.kind], e.consumption, e.unit];
    }),
  );

  addSheet(
    workbook,
    l.sheets.factors,
    l.factorHeader.map((header, i) => ({ header, width: [34, 12, 10, 14, 18, 10, 26, 70, 10][i] ?? 14 })),
    usedFactors(report).map((f) => [
      f.id,
      l.factorKinds[f.kind],
      f.value,
      f.unit,
      f.year !== null
        ? f.fallback
          ? l.fallback(f.year, f.fallback.requestedYear)
          : f.year
        : [f.validFrom, f.validTo].filter((d) => d !== null).join(' — ') || null,
      f.region === null ? null : (l.regions[f.region] ?? f.region),
      [f.series, f.variant].filter((v) => v !== null).join(' / '),
      f.sourceUrl === null ? f.source : `${f.source} ${f.sourceUrl}`,
      l.confidence[f.confidence],
    ]),
  );

  addSheet(
    workbook,
    l.sheets.children,
    l.summaryHeader.map((header, i) => ({ header, width: i === 0 ? 30 : 15, format: CHILD_FORMATS[i] })),
    report.children.map((child) => childRow(child, lang)),
  );

  return Buffer.from(await workbook.xlsx.writeBuffer());
}
