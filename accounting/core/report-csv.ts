import { stringify } from 'csv-stringify/sync';
import type { CarbonReport, CarbonSummary, ComparisonGap, ReportLine } from './carbon-report-types.js';
import {
  LABELS,
  endUseEn,
  factorText,
  fixed,
  gapText,
  noteText,
  sourceText,
  type Labels,
  type ReportLang,
} from './report-labels.js';

/**
 * The carbon report as CSV for Excel, in Chinese (the default) or English:
 * UTF-8 with a BOM (without it Excel reads UTF-8 as the local code page and
 * garbles Chinese), CRLF line ends, every field quoted, written by csv-stringify.
 * Sections follow one another, separated by an empty row: report header, lines,
 * totals and intensities, comparisons, children, 分项, sub-metering balance, notes.
 *
 * One language per file: a Chinese CSV has Chinese labels, levels, methods,
 * reasons and notes (the engine's notes are English sentences of known forms,
 * rendered here in Chinese); identifiers (org, meter, factor ids), units and the
 * cited documents' own titles stay as they are.
 *
 * Rounding is for reading only and happens here: consumption to 3 decimals
 * (litres of water), kgce and kgCO2e to 2, tce to 5, intensities to 4,
 * completeness and shares as percentages to 2, figures inside notes to 2
 * decimals. Factor values are printed as the catalogue has them. The JSON
 * report keeps full precision.
 */

export interface CsvOptions {
  /** zh (default): Chinese throughout; en: English throughout. */
  readonly lang?: ReportLang;
}

type Cell = string | number | null;

const NUMBER = /^-?\d+(\.\d+)?%?$/;

/** Text cells that Excel would run as a formula get a leading apostrophe; numbers (even negative) stay numbers. */
function defuse(cell: Cell): Cell {
  if (cell === null || typeof cell === 'number' || NUMBER.test(cell) || !/^[=+\-@\t\r]/.test(cell)) return cell;
  return `'${cell}`;
}

const qty = fixed(3);
const kg = fixed(2);
const tce = fixed(5);
const intensity = fixed(4);
const percent = (share: number | null | undefined): Cell =>
  share === null || share === undefined ? null : `${(share * 100).toFixed(2)}%`;
const signedPercent = (value: number | null | undefined): Cell =>
  value === null || value === undefined ? null : `${fixed(2)(value)}%`;

function lineRow(line: ReportLine, l: Labels): Cell[] {
  return [
    l.carriers[line.carrier] ?? line.carrier,
    line.endUse,
    line.scope === null ? '—' : l.scopes[line.scope],
    l.methods[line.method] ?? line.method,
    qty(line.consumption),
    line.unit,
    qty(line.massKg),
    kg(line.kgce),
    kg(line.co2eKg),
    factorText(line.factor, l),
    factorText(line.coalFactor, l),
    factorText(line.densityFactor, l),
    sourceText(l, line.factor, line.coalFactor, line.densityFactor),
    percent(line.completeness),
    percent(line.estimatedShare),
    qty(line.quarantinedAmount),
    qty(line.coveredKwh),
    line.meterIds.join(' '),
  ];
}

function summaryRow(s: CarbonSummary, l: Labels): Cell[] {
  return [
    `${s.org.name} (${s.org.id})`,
    l.levels[s.org.level] ?? s.org.level,
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
    percent(s.completenessToDate),
    s.reviews,
  ];
}

function comparisonRows(report: CarbonReport, lang: ReportLang, l: Labels): Cell[][] {
  const rows: Cell[][] = [];
  const { comparisons } = report;
  const gap = (code: ComparisonGap | null, reason: string | null): Cell => gapText(lang, code, reason);
  const previous = comparisons.previousYear;
  const previousGap = gap(comparisons.previousYearReasonCode, comparisons.previousYearReason);
  rows.push([l.previousYear, previous === null ? previousGap : previous.period]);
  if (previous !== null) {
    const c = previous.changePercent;
    const values = [c.kgce, c.co2eKg, c.waterM3, c.kgcePerM2, c.kgcePerPerson, c.waterM3PerPerson, c.co2eKgPerM2];
    rows.push(l.changes.flatMap((label, i) => [label, signedPercent(values[i])]));
  }
  const baseline = comparisons.baseline;
  const baselineGap = gap(comparisons.baselineReasonCode, comparisons.baselineReason);
  rows.push([l.baselineYear, baseline === null ? baselineGap : baseline.year]);
  for (const i of baseline?.indicators ?? []) {
    rows.push([l.indicators[i.indicator], intensity(i.baseline), intensity(i.current), signedPercent(i.changePercent)]);
  }
  for (const t of comparisons.targets) {
    const status = t.onTrack === null ? gap(t.reasonCode, t.reason) : t.onTrack ? l.onTrack.yes : l.onTrack.no;
    rows.push([
      l.target,
      l.indicators[t.indicator],
      `${t.changePercent}% (${t.byYear})`,
      l.required,
      signedPercent(t.requiredChangePercent),
      l.achieved,
      signedPercent(t.achievedChangePercent),
      status,
    ]);
  }
  return rows;
}

export function carbonReportCsv(report: CarbonReport, options: CsvOptions = {}): string {
  const lang = options.lang ?? 'zh';
  const l = LABELS[lang];
  const rows: Cell[][] = [];
  const blank = () => rows.push([]);
  const { org, period, fromTo, timezone, basis, generated, status, cutoff, methodology, catalogue } = l.header;
  rows.push([l.title]);
  rows.push([org, `${report.org.name} (${report.org.id})`]);
  rows.push([period, report.period.label]);
  rows.push([fromTo, `${report.period.from} — ${report.period.to}`]);
  rows.push([timezone, report.timezone]);
  rows.push([basis, l.bases[report.basis] ?? report.basisLabel]);
  rows.push([generated, report.generatedAt]);
  rows.push([status, report.inProgress ? l.status.inProgress : l.status.ended]);
  rows.push([cutoff, report.dataCutoff]);
  rows.push([methodology, report.methodologyVersion]);
  rows.push([catalogue, report.factorCatalogueVersion]);
  blank();
  rows.push([l.lines]);
  rows.push([...l.lineHeader]);
  report.lines.forEach((line) => rows.push(lineRow(line, l)));
  blank();
  rows.push([l.summary]);
  rows.push([...l.summaryHeader]);
  rows.push(summaryRow(report, l));
  rows.push(...comparisonRows(report, lang, l));
  if (report.children.length > 0) {
    blank();
    rows.push([l.children]);
    rows.push([...l.summaryHeader]);
    report.children.forEach((c) => rows.push(summaryRow(c, l)));
  }
  if (report.endUses.length > 0) {
    blank();
    rows.push([l.endUses]);
    rows.push([...l.endUseHeader]);
    for (const e of report.endUses) {
      const itemized = e.kind === 'item' || e.kind === 'sub-item';
      const label = lang === 'zh' ? e.label : itemized ? endUseEn(e.endUse) : l.endUseKinds[e.kind];
      const carrier = l.carriers[e.carrier] ?? e.carrier;
      rows.push([carrier, e.endUse, label, l.endUseKinds[e.kind], qty(e.consumption), e.unit]);
    }
  }
  if (report.subMetering.length > 0) {
    blank();
    rows.push([l.subMetering]);
    rows.push([...l.subMeteringHeader]);
    for (const b of report.subMetering) {
      rows.push([
        b.meterId,
        b.name,
        b.institutionId,
        l.carriers[b.carrier] ?? b.carrier,
        qty(b.parentConsumption),
        qty(b.pvBehind),
        qty(b.childrenConsumption),
        qty(b.unmetered),
        signedPercent(b.imbalancePercent),
        b.unit,
      ]);
    }
  }
  if (report.notes.length > 0) {
    blank();
    rows.push([l.notes]);
    report.notes.forEach((note, i) => rows.push([noteText(note, i, lang, l)]));
  }
  const cells = rows.map((row) => row.map(defuse));
  // bom: Excel needs it for UTF-8; quoted + quoted_empty: every field quoted, empty ones too.
  return stringify(cells, { bom: true, quoted: true, quoted_empty: true, record_delimiter: '\r\n' });
}
