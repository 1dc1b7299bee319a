import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { CARRIERS, toBaseUnit, type Carrier, type Unit } from '../../src/kernel/index.js';

/**
 * The plausibility bound of a meter without a configured rating
 * (docs/methodology.md §6). Most fleets configure no rated maximum, yet a
 * register that jumps to 999 999 999 must not be booked. Two bounds, the lower
 * one applies:
 *  - a per-carrier default ceiling: a rate no single meter of a public
 *    institution reaches (tens of megawatts of electricity, thousands of m3 of
 *    gas per hour); it holds even without any history;
 *  - a bound learned from the meter's own recent history: the daily peak
 *    interval rates of the days before the range, robustly summarised
 *    (median + MAD, so that one earlier spike does not raise the bound), with
 *    generous headroom, so that ordinary growth and weather never reach it.
 * A configured rating replaces both: it is the meter's own physics.
 * Everything above the bound is held for review, never booked.
 */

/** Default ceilings in the carrier's base unit per hour (after the multiplier). */
export const CARRIER_CEILING_PER_HOUR: Readonly<Record<Carrier, number>> = {
  electricity: 50_000,
  pv_generation: 20_000,
  water: 2_000,
  natural_gas: 10_000,
  district_heat: 200,
  diesel: 5_000,
  gasoline: 5_000,
  lpg: 2_000,
  coal: 20_000,
};

/** Fewer daily peaks than this are not a history: only the ceiling applies. */
export const MIN_HISTORY_RATES = 7;
/** MAD × 1.4826 estimates the standard deviation of normally distributed rates. */
export const MAD_TO_SIGMA = 1.4826;
/** The learned bound: LEARNED_HEADROOM × (median + SIGMAS × σ) of the daily peaks. */
export const SIGMAS = 5;
export const LEARNED_HEADROOM = 4;

/**
 * The ceiling in the meter's own unit per hour. A unit without an exact
 * conversion (litres of liquid fuel) takes the base unit's figure: 1 L of diesel
 * is 0.84 kg, so the ceiling is only looser, never tighter.
 */
export function defaultCeilingPerHour(carrier: string, unit: string): number | undefined {
  if (!(CARRIERS as readonly string[]).includes(carrier)) return undefined;
  const base = CARRIER_CEILING_PER_HOUR[carrier as Carrier];
  const perUnit = toBaseUnit(carrier as Carrier, unit as Unit, 1);
  return perUnit === undefined ? base : base / perUnit;
}

/**
 * A bound learned from recent peak rates (meter unit per hour, after the
 * multiplier): one per day, each the highest rate between consecutive readings
 * that day. Zero and negative peaks (idle days, days with a decrease) say
 * nothing about the meter's capacity and are left out; undefined without
 * enough history.
 */
export function learnedRateBound(peakRatesPerHour: readonly number[]): number | undefined {
  const peaks = peakRatesPerHour.filter((r) => Number.isFinite(r) && r > 0);
  if (peaks.length < MIN_HISTORY_RATES) return undefined;
  const centre = median(peaks);
  const sigma = MAD_TO_SIGMA * medianAbsoluteDeviation(peaks);
  return LEARNED_HEADROOM * (centre + SIGMAS * sigma);
}

/** What the bound needs to know about a meter (a subset of MeterSpec). */
export interface PlausibilityInputs {
  readonly ratedMaxPerHour?: number;
  readonly learnedMaxPerHour?: number;
  readonly ceilingPerHour?: number;
}

/** The highest plausible rate (meter unit per hour, after the multiplier), undefined when nothing bounds it. */
export function plausibleMaxPerHour(meter: PlausibilityInputs): number | undefined {
  if (meter.ratedMaxPerHour !== undefined) return meter.ratedMaxPerHour;
  const bounds = [meter.learnedMaxPerHour, meter.ceilingPerHour].filter((b): b is number => b !== undefined);
  return bounds.length === 0 ? undefined : Math.min(...bounds);
}

/** Which bound `plausibleMaxPerHour` applied, for a review's detail. */
export function boundSource(meter: PlausibilityInputs): 'rating' | 'learned' | 'ceiling' | undefined {
  const bound = plausibleMaxPerHour(meter);
  if (bound === undefined) return undefined;
  if (meter.ratedMaxPerHour !== undefined) return 'rating';
  return bound === meter.learnedMaxPerHour ? 'learned' : 'ceiling';
}
