import type { RejectionReason } from '../../kernel/index.js';
import type { MeterCodec } from '../../../config/index.js';

/**
 * The one list of faults the simulator can inject. Every fault is opt-in and
 * seeded, and kinds are independent: turning one kind on or off never changes
 * where another kind strikes. dropout, late_batch, duplicate, transient_zero,
 * malformed and clock_skew are decided by a hash of (seed, meter or building,
 * kind, instant), so they strike at the same instants whatever the run's start;
 * reset, rollover and replacement draw from per-kind streams from the run's start
 * (run-relative: they rewrite the register history, and the demo does not use
 * them). No fault strikes on a run's first tick unless the simulation knows its
 * nominal interval (SimulationOptions.intervalMs). Configured replacements (from
 * the fleet) are normal operation, never faults.
 *
 * The demo's alert faults (night_load, unmetered_load, stuck_register,
 * garbled_gateway, silent_meter) strike chosen meters: each kind picks its own
 * meters by a hash of (seed, meter), from classes kept apart whether the other kinds
 * are on or not (pickFaultMeters in fault-meters.ts). They are dense on purpose, so
 * that the alert rules' first evaluation after a backfill sees every one whatever
 * the instant (docs/alerts.md): night_load and unmetered_load change the energy in
 * the fleet model (pure in the local day), stuck_register freezes the register on a
 * fixed UTC schedule, garbled_gateway adds quarantined payloads; only silent_meter
 * depends on the run (it removes the readings of the backfill's last hours and every
 * live one).
 */
export const FAULT_KINDS = [
  'reset',
  'rollover',
  'replacement',
  'dropout',
  'late_batch',
  'duplicate',
  'transient_zero',
  'malformed',
  'clock_skew',
  'night_load',
  'unmetered_load',
  'stuck_register',
  'garbled_gateway',
  'silent_meter',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What each fault does to the emitted stream (also printed by `tanhe simulate --help`). */
export const FAULT_DESCRIPTIONS: Readonly<Record<FaultKind, string>> = {
  reset:
    'the register is cleared to 0 at a random instant inside an interval and counts on from there; the next reading (a small value) carries the fault',
  rollover:
    'chosen meters with a registerMax start close below it, so the register wraps to 0 during the run; the first reading after each wrap carries the fault (natural wraps are tagged too)',
  replacement:
    'an unrecorded meter swap: an old-final reading 1 s before the swap instant, then a new-initial reading (0–5) at it, both carrying the fault; no fleet event explains it',
  dropout:
    'a run of consecutive readings of one meter is lost (a gap); each lost reading is a `dropped` event, never published; seq still advances',
  late_batch:
    'a gateway (all meters of one building) holds its readings for a window and delivers them as a block hours later; the readings are correct, only late',
  duplicate: 'a reading is sent twice: identical timestamp, value and seq',
  transient_zero:
    'after a device restart the register reads 0 once, then the true value again (cumulative meters only)',
  malformed:
    'an extra bad payload for a meter, besides its normal reading: garbage JSON, wrong types, missing value, unknown meter, negative, "NaN", wrong unit or an unparseable timestamp',
  clock_skew:
    'a reading is stamped hours in the future (device clock wrong); the true-time reading of that tick is not sent',
  night_load:
    'chosen leaf meters are left on at night (19:00–23:00 local) on every n-th local night, each meter on its own night, so one is lit every night; their parents carry it too',
  unmetered_load:
    'chosen parent meters carry an extra load no sub-meter measures (a share of their children) on every n-th local day, each parent on its own day, so one is out of balance every day',
  stuck_register:
    'chosen cumulative sub-meters freeze their register for some hours every day (staggered, so one is frozen at any instant), then catch up in one reading, which the engine holds as an implausible jump',
  garbled_gateway:
    'a chosen meter\'s payloads are malformed at a high rate (an extra bad payload naming the meter: wrong type, missing value, negative, "NaN"), all quarantined',
  silent_meter:
    'a chosen meter stops reporting some hours before the backfill ends and sends no live reading (the only fault that depends on the run: it removes readings)',
};

export interface FaultConfig {
  /** Expected resets per meter and day. */
  readonly reset?: { readonly perMeterDay: number };
  /** How many eligible meters (cumulative, with registerMax, no configured replacement in range) start near their maximum. */
  readonly rollover?: { readonly meters: number };
  readonly replacement?: { readonly perMeterDay: number };
  /** Gaps per meter and day, each minIntervals–maxIntervals readings long. */
  readonly dropout?: { readonly perMeterDay: number; readonly minIntervals: number; readonly maxIntervals: number };
  /** Late blocks per gateway and day: readings of windowHours are delivered delayHours after the window ends. */
  readonly late_batch?: { readonly perGatewayDay: number; readonly windowHours: number; readonly delayHours: number };
  /** Probability per reading. */
  readonly duplicate?: { readonly probability: number };
  readonly transient_zero?: { readonly perMeterDay: number };
  /** Probability per reading of an extra malformed payload. */
  readonly malformed?: { readonly probability: number };
  /** Probability per reading; the stamp is max(true time, skewBaseMs) + skewHours. */
  readonly clock_skew?: { readonly probability: number; readonly skewHours: number };
  /** `meters` leaves, each lit on every `everyNights`-th local night from fromHour to toHour, extraShare of its peak. */
  readonly night_load?: {
    readonly meters: number;
    readonly everyNights: number;
    readonly fromHour: number;
    readonly toHour: number;
    readonly extraShare: number;
  };
  /** `meters` parents, each with extraShare × its children's sum unmetered on every `everyDays`-th local day. */
  readonly unmetered_load?: { readonly meters: number; readonly everyDays: number; readonly extraShare: number };
  /** `meters` sub-meters, each frozen `hours` a day, starting 24 / meters hours after the one before (UTC). */
  readonly stuck_register?: { readonly meters: number; readonly hours: number };
  /** Probability per reading of an extra malformed payload, for `meters` json meters. */
  readonly garbled_gateway?: { readonly meters: number; readonly probability: number };
  /** `meters` meters send nothing from `hours` before the run's planned end (toMs) on. */
  readonly silent_meter?: { readonly meters: number; readonly hours: number };
}

/** Rates used when a kind is switched on by name (CLI `--faults reset,dropout`). */
export const DEFAULT_FAULTS: Required<FaultConfig> = {
  reset: { perMeterDay: 0.005 },
  rollover: { meters: 2 },
  replacement: { perMeterDay: 0.002 },
  dropout: { perMeterDay: 0.05, minIntervals: 2, maxIntervals: 16 },
  late_batch: { perGatewayDay: 0.05, windowHours: 2, delayHours: 6 },
  duplicate: { probability: 0.002 },
  transient_zero: { perMeterDay: 0.005 },
  malformed: { probability: 0.001 },
  clock_skew: { probability: 0.0005, skewHours: 6 },
  // Four meters on a four-night cycle: one lit every night, and a meter's same weekday is lit in one
  // week of four at most, so the learned median (four weeks) stays the unlit one.
  night_load: { meters: 4, everyNights: 4, fromHour: 19, toHour: 23, extraShare: 0.5 },
  unmetered_load: { meters: 4, everyDays: 4, extraShare: 0.3 },
  // Three meters frozen 15 h a day, 8 h apart: at any instant one has been flat for 6–15 h.
  stuck_register: { meters: 3, hours: 15 },
  garbled_gateway: { meters: 1, probability: 0.2 },
  silent_meter: { meters: 1, hours: 3 },
};

/** A fault configuration with the named kinds at their default rates, rates multiplied by `scale`. */
export function faultsFor(kinds: readonly FaultKind[], scale = 1): FaultConfig {
  const d = DEFAULT_FAULTS;
  const config: Record<string, unknown> = {};
  for (const kind of new Set(kinds)) {
    switch (kind) {
      case 'reset':
      case 'replacement':
      case 'transient_zero':
        config[kind] = { perMeterDay: d[kind].perMeterDay * scale };
        break;
      case 'rollover':
        config[kind] = d.rollover;
        break;
      case 'dropout':
        config[kind] = { ...d.dropout, perMeterDay: d.dropout.perMeterDay * scale };
        break;
      case 'late_batch':
        config[kind] = { ...d.late_batch, perGatewayDay: d.late_batch.perGatewayDay * scale };
        break;
      case 'duplicate':
      case 'malformed':
        config[kind] = { probability: Math.min(1, d[kind].probability * scale) };
        break;
      case 'clock_skew':
        config[kind] = { ...d.clock_skew, probability: Math.min(1, d.clock_skew.probability * scale) };
        break;
      case 'garbled_gateway':
        config[kind] = { ...d.garbled_gateway, probability: Math.min(1, d.garbled_gateway.probability * scale) };
        break;
      case 'night_load':
      case 'unmetered_load':
      case 'stuck_register':
      case 'silent_meter':
        // Schedules, not rates: the scale does not apply.
        config[kind] = d[kind];
        break;
    }
  }
  return config as FaultConfig;
}

/** Parses "reset,dropout" or "all" or "none"; returns the kinds, or a message naming the unknown ones. */
export function parseFaultKinds(text: string): FaultKind[] | string {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...FAULT_KINDS];
  if (names.length === 1 && names[0] === 'none') return [];
  const unknown = names.filter((n) => !(FAULT_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0)
    return `unknown fault kind(s) ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}, all, none`;
  return names as FaultKind[];
}

/**
 * The shapes of a malformed payload. Each is encoded for the meter's own codec
 * (json, SenML or Tasmota) and published as a message of its own.
 */
export const MALFORMED_VARIANTS = [
  'garbage_json', // truncated JSON text
  'wrong_type', // the register as a string ("123.4")
  'missing_value', // no register field at all
  'unknown_meter', // a well-formed reading for a meter (topic, SenML name, device) not in the fleet
  'negative', // a negative register
  'nan_string', // the register as "NaN" (JSON has no NaN)
  'wrong_unit', // a unit not allowed for the carrier (Tasmota carries no unit: a string register instead)
  'bad_timestamp', // epoch seconds where ms are expected; SenML: a relative time; Tasmota: a ctime-style date
] as const;
export type MalformedVariant = (typeof MALFORMED_VARIANTS)[number];

/** The malformed shapes a garbled gateway sends: each still names its meter, so ingest quarantines it under that meter. */
export const GARBLED_VARIANTS = [
  'wrong_type',
  'missing_value',
  'negative',
  'nan_string',
] as const satisfies readonly MalformedVariant[];

/** The quarantine reason ingest gives each malformed variant (ingest/core/validate-item.ts). */
export function expectedRejection(variant: MalformedVariant, codec: MeterCodec['kind']): RejectionReason {
  switch (variant) {
    case 'garbage_json':
      return 'malformed_json';
    case 'unknown_meter':
      return 'unknown_meter';
    case 'negative':
      return 'negative_register';
    case 'nan_string':
      return 'non_finite_number';
    case 'wrong_unit':
      return codec === 'tasmota' ? 'schema_violation' : 'unit_mismatch';
    case 'wrong_type':
    case 'missing_value':
    case 'bad_timestamp':
      return 'schema_violation';
  }
}
