import { z } from 'zod';
import { CARRIERS, UNITS } from '../src/kernel/index.js';

/**
 * The fleet registry: organisation tree, institutions, buildings and meters.
 * Cross-references (parents, cycles, units per carrier) are checked in
 * validate-fleet.ts so that every problem is reported at once, with its path.
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'ids are 1-64 letters, digits, "_", "." or "-"');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const isoInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, 'expected an ISO-8601 instant with offset');

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

export const institutionSchema = z.strictObject({
  id,
  name: z.string().min(1),
  org: id.describe('the organisation unit (county, city …) the institution belongs to'),
  type: z.enum(INSTITUTION_TYPES),
  timezone: z.string().default('Asia/Shanghai'),
  gridRegion: z.string().min(1).optional().describe('the grid whose emission factor applies (issue 3)'),
  floorAreaM2: effectiveDated(z.number()),
  occupants: effectiveDated(z.number()),
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
  /** The register wraps to 0 after this value. */
  registerMax: z.number().positive().optional(),
  /** The highest plausible rate, in the meter's unit per hour (impossible-jump check). */
  ratedMaxPerHour: z.number().positive().optional(),
  expectedIntervalMinutes: z.number().int().positive().default(15),
  parent: id.optional(),
  endUse: z.string().regex(END_USE_CODE, 'expected a 分项 code such as 01A00, 01B, 02000, 03A00').optional(),
  codec: codecSchema.default({ kind: 'json' }),
  replacements: z.array(replacementSchema).default([]),
});

export const fleetSchema = z.strictObject({
  orgs: z.array(orgUnitSchema).min(1),
  institutions: z.array(institutionSchema).default([]),
  buildings: z.array(buildingSchema).default([]),
  meters: z.array(meterSchema).default([]),
});

export type OrgUnit = z.infer<typeof orgUnitSchema>;
export type Institution = z.infer<typeof institutionSchema>;
export type Building = z.infer<typeof buildingSchema>;
export type Meter = z.infer<typeof meterSchema>;
export type MeterCodec = z.infer<typeof codecSchema>;
export type Fleet = z.infer<typeof fleetSchema>;
