import type { Reading } from '../src/kernel/index.js';
import type { ReportInstitution } from './core/index.js';
import type { SegmentSummary } from './core/register-segments.js';

/**
 * What accounting needs from the outside: the store queries below, implemented
 * per engine in accounting/adapters (held to one contract suite,
 * tests/contract/accounting-store.contract.ts), and the validated fleet of
 * config/, which satisfies the *Config types structurally (nothing here imports it).
 */

/** Calendar buckets the store can cut in a time zone (an hour is an hour of the zone's offset). */
export type SegmentBucket = 'hour' | 'day' | 'month';

export interface SegmentQuery {
  readonly meterIds: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucket: SegmentBucket;
  /** IANA zone whose local hours, days and months cut the buckets, e.g. Asia/Shanghai. */
  readonly timeZone: string;
}

/**
 * One meter's readings in one bucket, reduced (the core's SegmentSummary, per
 * meter): the register at the first and the last reading, how many readings
 * there were, and the two checks that decide whether the reduction is faithful
 * (core/register-segments.ts): how many readings were below the reading before
 * them, and the highest rate between consecutive readings.
 */
export interface RegisterSegment extends SegmentSummary {
  readonly meterId: string;
}

export interface EdgeQuery {
  readonly meterIds: readonly string[];
  readonly beforeMs: number;
  readonly afterMs: number;
  /** How far to look: [beforeMs − windowMs, beforeMs) and [afterMs, afterMs + windowMs). */
  readonly windowMs: number;
}

export interface EdgeReadings {
  readonly before: ReadonlyMap<string, Reading>;
  readonly after: ReadonlyMap<string, Reading>;
}

/**
 * Raw readings of one meter with from <= tsMs < to, ascending by (tsMs, value), every stored value
 * of an instant included, at most `limit` (no paging: fallbacks are bounded).
 */
export interface RawReadingQuery {
  readonly meterId: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
}

export interface FingerprintQuery {
  readonly meterIds: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
}

export interface LastReading {
  /** The latest device timestamp stored for the meter (UTC ms). */
  readonly lastTsMs: number;
}

/** The store queries accounting runs: reductions in the store, raw readings only where a reduction is not faithful. */
export interface AccountingStore {
  /**
   * Each meter's readings in [from, to) reduced, in the store, to one register
   * segment per calendar bucket of `timeZone` (buckets with no reading are
   * absent), ordered by meterId then bucket: heavy aggregation runs in the
   * store, not in Node. `decreases` and `maxRatePerHour` compare each reading
   * with the meter's previous reading *inside the range* (a window `lag`), so the
   * first reading of the range is compared with nothing; the caller checks the
   * edge itself. A reading at the same instant as the one before it (two stored
   * values for one (meter, ts): a conflict) counts in `decreases` and has no
   * rate, so the bucket is read raw and the engine resolves the conflict.
   */
  registerSegments(query: SegmentQuery): Promise<readonly RegisterSegment[]>;
  /**
   * Per meter, the last reading before `beforeMs` and the first at or after
   * `afterMs`, each looked for within `windowMs`: the readings just outside a
   * range, which fix the energy of the intervals that cross its edges. Of
   * several values stored at that instant, the highest (the engine's pick).
   */
  edgeReadings(query: EdgeQuery): Promise<EdgeReadings>;
  /** Raw readings, for the segments a reduction cannot represent faithfully. */
  readings(query: RawReadingQuery): Promise<readonly Reading[]>;
  /**
   * Several `readings` queries in one store request, answers in the queries' order, each exactly what
   * `readings` answers for it. Optional: a store without it is asked query by query
   * (store-consumption.ts); DuckDB scans its table once for all of them instead of once per query.
   */
  readingsBatch?(queries: readonly RawReadingQuery[]): Promise<readonly (readonly Reading[])[]>;
  /** Per meter, the latest device timestamp stored (the report's data cut-off). */
  meterSummaries(): Promise<ReadonlyMap<string, LastReading>>;
  /**
   * Per meter with readings in [from, to): a fingerprint of them (row count, latest arrival, first
   * and last device time) in one query for all the meters, so a figure computed from the range can
   * be reused while it is unchanged. Rows are keyed by (meter, ts, value) and never rewritten in
   * place: a reading added to the range (a late one, a second value at an instant) raises the
   * count, an exact replay moves the latest arrival. Meters without readings in the range are absent.
   */
  readingFingerprints(query: FingerprintQuery): Promise<ReadonlyMap<string, string>>;
}

/** An accounting store as an adapter builds it: the queries, plus creating its own tables. */
export interface AccountingStoreAdapter extends AccountingStore {
  /** Creates the tables the adapter owns (QuestDB: the day roll-up) if missing. Safe on every start. */
  init(): Promise<void>;
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
