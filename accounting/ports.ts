import type { ReportInstitution } from './core/index.js';
import type { SegmentSummary } from './core/register-segments.js';

/**
 * What accounting needs from the outside. The ReadingStore of src/platform/store
 * and the validated fleet of config/ satisfy these structurally; nothing here
 * imports them.
 */

export type SegmentBucket = 'hour' | 'day' | 'month';

/** A register segment as the store returns it (see ReadingStore.registerSegments): the core's summary, per meter. */
export interface StoreSegment extends SegmentSummary {
  readonly meterId: string;
}

export interface StoreReading {
  readonly meterId: string;
  readonly tsMs: number;
  readonly value: number;
}

/** The store queries accounting runs: reductions in the store, raw readings only where a reduction is not faithful. */
export interface AccountingStore {
  registerSegments(query: {
    readonly meterIds: readonly string[];
    readonly fromMs: number;
    readonly toMs: number;
    readonly bucket: SegmentBucket;
    readonly timeZone: string;
  }): Promise<readonly StoreSegment[]>;
  edgeReadings(query: { readonly meterIds: readonly string[]; readonly beforeMs: number; readonly afterMs: number; readonly windowMs: number }): Promise<{
    readonly before: ReadonlyMap<string, StoreReading>;
    readonly after: ReadonlyMap<string, StoreReading>;
  }>;
  readings(query: { readonly meterId: string; readonly fromMs: number; readonly toMs: number; readonly limit: number; readonly afterTsMs?: number }): Promise<readonly StoreReading[]>;
  /** Per meter, the latest device timestamp stored (the report's data cut-off). */
  meterSummaries(): Promise<ReadonlyMap<string, { readonly lastTsMs: number }>>;
}

export interface DatedValueConfig {
  readonly from: string;
  readonly value: number;
}

export interface OrgConfig {
  readonly id: string;
  readonly name: string;
  readonly level: string;
  readonly parent?: string | undefined;
}

/** An institution as configured, with the optional report inputs (baseline, targets, green instruments, factor variants). */
export interface InstitutionConfig {
  readonly id: string;
  readonly name: string;
  readonly org: string;
  readonly type: string;
  readonly timezone: string;
  readonly gridRegion?: string | undefined;
  readonly floorAreaM2: readonly DatedValueConfig[];
  readonly occupants: readonly DatedValueConfig[];
  readonly baseline?: ReportInstitution['baseline'] | undefined;
  readonly targets?: ReportInstitution['targets'] | undefined;
  readonly greenInstruments?: ReportInstitution['greenInstruments'] | undefined;
  readonly factorVariants?: ReportInstitution['factorVariants'] | undefined;
}

export interface BuildingConfig {
  readonly id: string;
  readonly institution: string;
  readonly name: string;
}

export interface MeterConfig {
  readonly id: string;
  readonly name?: string | undefined;
  readonly building: string;
  readonly carrier: string;
  readonly unit: string;
  readonly register: 'cumulative' | 'interval';
  readonly multiplier: number;
  readonly registerMax?: number | undefined;
  readonly registerResolution?: number | undefined;
  readonly ratedMaxPerHour?: number | undefined;
  readonly expectedIntervalMinutes: number;
  readonly parent?: string | undefined;
  readonly endUse?: string | undefined;
  /** pv_generation meters: the meter the PV feeds in behind (see ReportMeter.behindMeterId). */
  readonly behindMeter?: string | undefined;
  readonly replacements: readonly { readonly at: string; readonly oldFinal: number; readonly newInitial: number }[];
}

/** The fleet registry's data (config/fleet-schema.ts's Fleet satisfies it). */
export interface FleetConfig {
  readonly orgs: readonly OrgConfig[];
  readonly institutions: readonly InstitutionConfig[];
  readonly buildings: readonly BuildingConfig[];
  readonly meters: readonly MeterConfig[];
}
