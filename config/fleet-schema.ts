import { z } from 'zod';
import { CARRIERS, UNITS } from '../src/kernel/index.js';

/**
 * The fleet registry: organisation tree, institutions, buildings and meters.
 * Cross-references (parents, cycles, units per carrier) are checked in
 * validate-fleet.ts so that every problem is reported at once, with its path.
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'ids are 1-64 letters, digits, "_", "." or "-"');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const isoInstant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
    'expected an ISO-8601 instant with offset',
  );

export const ORG_LEVELS = ['region', 'city', 'county', 'district', 'group'] as const;
export const INSTITUTION_TYPES = ['government_office', 'school', 'hospital', 'venue', 'other'] as const;

/** Sub-metering (分项) codes: 01000 electricity and its items 01A-01D with sub-items, 02000 water, 03A00 gas … */
export const END_USE_CODE = /^(0[1-9][A-Z0-9]\d{2}|01[A-D]\d?)$/;

export const orgUnitSchema = z.strictObject({
  id,
  name: z.string().min(1),
  level: z.enum(ORG_LEVELS),
  parent: id.optional(),
});

/** A value that changes over the years: each entry applies from its date until the next. */
const effectiveDated = <T extends z.ZodType>(value: T) =>
  z.array(z.strictObject({ from: isoDate, value })).min(1, 'needs at least one dated entry');

// ---------------------------------------------------------------------------
// Accounting settings of an institution (issue 3): baseline, targets, green
// instruments for market-based scope 2, and the factor variants that apply.
// Cross-checks (target year after the baseline year …) are in validate-fleet.ts.

/** The indicators a baseline and a target can name (annual values: per m²·a, per person·a). */
export const BASELINE_INDICATORS = ['kgcePerM2', 'kgcePerPerson', 'waterM3PerPerson', 'co2eKgPerM2'] as const;

const year = z.number().int().min(1990).max(2100);

export const baselineSchema = z.strictObject({
  year,
  kgcePerM2: z.number().positive().optional(),
  kgcePerPerson: z.number().positive().optional(),
  waterM3PerPerson: z.number().positive().optional(),
  co2eKgPerM2: z.number().positive().optional(),
  source: z.string().min(1).optional().describe('where the baseline values come from (a statistics report, a plan)'),
});

export const targetSchema = z.strictObject({
  indicator: z.enum(BASELINE_INDICATORS),
  /** Change against the baseline year in %, e.g. -5 for "−5 % per area". */
  changePercent: z.number().min(-100).max(100),
  byYear: year,
});

export const GREEN_INSTRUMENT_KINDS = ['green_certificate', 'green_power_contract'] as const;

export const greenInstrumentSchema = z.strictObject({
  id,
  kind: z.enum(GREEN_INSTRUMENT_KINDS).describe('绿证 or 绿电交易'),
  energyKwh: z.number().positive(),
  vintageYear: year,
  /** Only a retired instrument of the period's vintage counts in market-based scope 2. */
  retired: z.boolean(),
  retiredOn: isoDate.optional(),
});

export const institutionSchema = z.strictObject({
  id,
  name: z.string().min(1),
  org: id.describe('the organisation unit (county, city …) the institution belongs to'),
  type: z.enum(INSTITUTION_TYPES),
  timezone: z.string().default('Asia/Shanghai'),
  gridRegion: z.string().min(1).optional().describe('the grid whose emission factor applies (issue 3)'),
  floorAreaM2: effectiveDated(z.number()),
  occupants: effectiveDated(z.number()),
  baseline: baselineSchema.optional(),
  targets: z.array(targetSchema).optional(),
  greenInstruments: z.array(greenInstrumentSchema).optional(),
  /** Which published factor variant applies, by carrier, e.g. { natural_gas: gas-field } (GB/T 2589 has two). */
  factorVariants: z.partialRecord(z.enum(CARRIERS), z.string().min(1)).optional(),
});

export const buildingSchema = z.strictObject({
  id,
  institution: id,
  name: z.string().min(1),
});

export const CODEC_KINDS = ['json', 'senml', 'tasmota'] as const;

export const codecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('json') }),
  /** SenML: the record's full name (bn + n) that identifies this meter's register. */
  z.strictObject({ kind: z.literal('senml'), name: z.string().min(1) }),
  /** Tasmota: the device topic (tele/<device>/SENSOR); the register is ENERGY.Total. */
  z.strictObject({ kind: z.literal('tasmota'), device: z.string().min(1) }),
]);

export const replacementSchema = z.strictObject({
  at: isoInstant,
  oldFinal: z.number().nonnegative(),
  newInitial: z.number().nonnegative(),
});

export const meterSchema = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  building: id,
  carrier: z.enum(CARRIERS),
  unit: z.enum(UNITS),
  register: z.enum(['cumulative', 'interval']).default('cumulative'),
  /** CT/PT ratio: the register times the multiplier is the energy. */
  multiplier: z.number().positive().default(1),
  /** The largest value the register shows: the step after it is 0 (99 999.99 wraps at 100 000). */
  registerMax: z.number().positive().optional(),
  /**
   * The register's step (0.01 for a register shown to two decimals); the wrap
   * modulus is registerMax + registerResolution. Default: the decimals registerMax
   * is written with (99999.99 → 0.01, 99999999 → 1), see docs/methodology.md §3.
   */
  registerResolution: z.number().positive().optional(),
  /** The highest plausible rate, in the meter's unit per hour (impossible-jump check). */
  ratedMaxPerHour: z.number().positive().optional(),
  expectedIntervalMinutes: z.number().int().positive().default(15),
  parent: id.optional(),
  /** pv_generation meters only: the electricity meter the PV feeds in behind (that meter then reads net import). */
  behindMeter: id.optional(),
  endUse: z.string().regex(END_USE_CODE, 'expected a 分项 code such as 01A00, 01B, 02000, 03A00').optional(),
  codec: codecSchema.default({ kind: 'json' }),
  replacements: z.array(replacementSchema).default([]),
});

/**
 * A meter computed from others by a linear expression (issue 3 §5), e.g. the
 * unmetered remainder 'gov-a-e-main - gov-a-e-light - gov-a-e-hvac'. Grammar in
 * accounting/core/virtual-meters.ts: meter ids (real or virtual), +, -, a number
 * times a term (0.5 * m1), parentheses; a subtraction needs a space before '-'
 * since ids contain '-'. References, cycles, carriers and units:
 * accounting/core/validate-virtual-meters.ts.
 */
export const virtualMeterSchema = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  institution: id,
  carrier: z.enum(CARRIERS),
  unit: z.enum(UNITS),
  expression: z.string().min(1),
  endUse: z.string().regex(END_USE_CODE, 'expected a 分项 code such as 01A00, 01B, 02000, 03A00').optional(),
});

export const fleetSchema = z.strictObject({
  orgs: z.array(orgUnitSchema).min(1),
  institutions: z.array(institutionSchema).default([]),
  buildings: z.array(buildingSchema).default([]),
  meters: z.array(meterSchema).default([]),
  virtualMeters: z.array(virtualMeterSchema).default([]),
});

export type OrgUnit = z.infer<typeof orgUnitSchema>;
export type Institution = z.infer<typeof institutionSchema>;
export type Building = z.infer<typeof buildingSchema>;
export type Meter = z.infer<typeof meterSchema>;
export type VirtualMeter = z.infer<typeof virtualMeterSchema>;
export type MeterCodec = z.infer<typeof codecSchema>;
export type Fleet = z.infer<typeof fleetSchema>;
export type InstitutionBaseline = z.infer<typeof baselineSchema>;
export type InstitutionTarget = z.infer<typeof targetSchema>;
export type GreenInstrumentConfig = z.infer<typeof greenInstrumentSchema>;
