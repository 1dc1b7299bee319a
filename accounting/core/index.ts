/**
 * The pure accounting core: consumption from registers (cut with the kernel calendar in the
 * institution's time zone), factor selection and unit-typed factor arithmetic,
 * and the carbon report (lines, scopes, roll-ups, 分项, comparisons, CSV).
 * No I/O, no clock, no environment, no logger: every function is a function of
 * its arguments, so a report can be recomputed and audited.
 */
export * from './consumption.js';
export * from './factor-lookup.js';
export * from './apply-factor.js';
export * from './carbon-report-types.js';
export * from './carbon-report.js';
export * from './report-csv.js';
export {
  LABELS,
  REPORT_LANGS,
  endUseEn,
  factorText,
  gapText,
  noteText,
  sourceText,
  type Labels,
  type ReportLang,
} from './report-labels.js';
export { carbonReportHtml, escapeHtml, usedFactors, type HtmlOptions, type ReportSignature } from './report-html.js';
export { DEFAULT_GRID_FACTOR_SERIES } from './emissions.js';
export { endUseItem } from './sub-metering.js';
export * from './virtual-meters.js';
export { timeWeightedValue } from './roll-up.js';
export { requiredChange } from './comparisons.js';
export { periodFigures } from './period-figures.js';
export * from './validate-virtual-meters.js';
export * from './plausibility.js';
export * from './register-range.js';
export { fleetWarnings, type RatedMeterFleet } from './fleet-warnings.js';
