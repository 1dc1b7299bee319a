/** The accounting capability: consumption series and carbon reports, computed in the store and the pure core. */
export * from './core/index.js';
export type * from './ports.js';
export { createFleetView, meterSpec, timeZoneOf, type FleetView } from './fleet-view.js';
export {
  storeConsumption,
  withLearnedBounds,
  EDGE_WINDOW_MS,
  LEARN_WINDOW_DAYS,
  type ConsumptionRequest,
  type ConsumptionRun,
} from './store-consumption.js';
export {
  createMeterConsumption,
  MAX_RANGE_DAYS,
  SERIES_BUCKETS,
  type CarrierSeries,
  type ConsumptionQuery,
  type ConsumptionSeries,
  type ConsumptionTarget,
  type MeterConsumptionDeps,
  type SeriesBucket,
  type SeriesBucketFigures,
} from './meter-consumption.js';
export { createHeldReadingsQuery, type HeldReadingsDeps, type HeldReadingsQuery } from './held-readings-query.js';
export {
  createCarbonReportQuery,
  meterPeriodFigures,
  reportInstitution,
  reportMeter,
  METHODOLOGY_VERSION,
  type CarbonReportDeps,
  type CarbonReportQuery,
  type CarbonReportRun,
} from './carbon-report-query.js';
export {
  assembleReadings,
  reduceToSegments,
  segmentsNeedingRaw,
  SPILL_READINGS,
  type SegmentSummary,
} from './core/register-segments.js';
export { valueOn } from './core/value-on.js';
export {
  createQuestDbAccountingStore,
  type QuestDbAccountingStoreOptions,
} from './adapters/questdb-accounting-store.js';
export { createDuckDbAccountingStore } from './adapters/duckdb-accounting-store.js';
export { carbonReportWorkbook, type WorkbookOptions } from './report-workbook.js';
