import type { Meter } from '../../../config/index.js';
import { isWorkingDay, type DayKind } from './cn-holidays.js';
import type { LocalParts } from '../../kernel/index.js';

/**
 * Load shapes. Each leaf meter gets a profile kind from its carrier and 分项 code
 * (sub-metering end-use, MOHURD 2008: 01A lighting & sockets, 01B HVAC, 01C power,
 * 01D special; 02000 water; 03A00 gas). A kind turns the slot's context (local
 * time, kind of day, weather, season) into a fraction of the meter's peak load.
 * Parent meters have no profile: they read the sum of their children plus losses.
 */
export const PROFILE_KINDS = [
  'lighting', // 01A00 / 01A10 rooms' lighting and sockets: follows occupancy
  'corridor_lighting', // 01A20 corridors and emergency lighting: always on, more at night
  'outdoor_lighting', // 01A30 landscape lighting: dusk to 23:00
  'hvac', // 01B00 / 01B20 air handling and fan coils: cooling Jun–Aug, fans in the heating season
  'chiller_plant', // 01B10 chillers: cooling season only, with the temperature
  'lifts', // 01C10: occupancy, spiky
  'pumps', // 01C00 / 01C20: heating-water circulation round the clock in winter, water supply by day
  'fans', // 01C30: ventilation by occupancy
  'it_centre', // 01D10: near-constant
  'kitchen', // 01D30 kitchen / canteen: meal peaks
  'special', // other 01D items (imaging, laundry …): occupancy
  'building_mix', // 01000 or no code on a leaf: a whole building's mix
  'water', // 02000: occupancy, very spiky
  'water_canteen', // 02000 in a canteen: meal peaks
  'gas_canteen', // 03A00 cooking: meal peaks
  'gas_boiler', // 03A00 heating boiler: heating season, weather driven
  'district_heat', // district heat: heating season, weather driven
  'pv', // pv_generation: daylight only, cloud noise
  'diesel_test', // diesel generator: a 30-minute test run each month, nothing else
] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** How an institution's occupants come and go. */
export type OccupancyPattern = 'office' | 'school' | 'hospital';

export interface SlotContext {
  readonly local: LocalParts;
  readonly dayKind: DayKind;
  readonly working: boolean;
  /** Occupancy 0–1 of the institution in this slot. */
  readonly occupancy: number;
  readonly tempC: number;
  /** Sine of the sun's elevation (≤ 0 at night). */
  readonly sunSin: number;
  /** 0–1, the share of clear-sky sunshine. */
  readonly clearness: number;
  /** District heating season in Ningxia: 1 November to 31 March. */
  readonly heatingSeason: boolean;
  /** Air-conditioning season: June to August. */
  readonly coolingSeason: boolean;
  /** School term (not in the winter or summer break). */
  readonly schoolTerm: boolean;
}

/** Relative slot-to-slot noise (±) per kind; day-to-day noise is ±6 % for all. */
export const PROFILE_NOISE: Readonly<Record<ProfileKind, number>> = {
  lighting: 0.08,
  corridor_lighting: 0.03,
  outdoor_lighting: 0.03,
  hvac: 0.1,
  chiller_plant: 0.12,
  lifts: 0.35,
  pumps: 0.1,
  fans: 0.08,
  it_centre: 0.04,
  kitchen: 0.2,
  special: 0.25,
  building_mix: 0.08,
  water: 0.4,
  water_canteen: 0.35,
  gas_canteen: 0.25,
  gas_boiler: 0.06,
  district_heat: 0.04,
  pv: 0.03,
  diesel_test: 0.05,
};

/** A leaf's typical peak as a share of its ratedMaxPerHour (the rating stays well above the simulated load). */
export const PEAK_SHARE: Readonly<Partial<Record<ProfileKind, number>>> = { pv: 0.85, diesel_test: 0.35 };
export const DEFAULT_PEAK_SHARE = 0.6;

const CANTEEN_HINT = /canteen|kitchen|食堂|厨房/i;
const BOILER_HINT = /boiler|锅炉/i;

/**
 * The profile of a leaf meter, from its carrier and end-use code. Where the code
 * does not tell (water in a canteen, gas for cooking or heating), the meter's id
 * or name decides: "canteen/食堂/厨房" and "boiler/锅炉". Callers may override.
 */
export function profileKindFor(meter: Pick<Meter, 'id' | 'name' | 'carrier' | 'endUse'>): ProfileKind {
  const label = `${meter.id} ${meter.name ?? ''}`;
  switch (meter.carrier) {
    case 'pv_generation':
      return 'pv';
    case 'diesel':
    case 'gasoline':
      return 'diesel_test';
    case 'district_heat':
      return 'district_heat';
    case 'water':
      return CANTEEN_HINT.test(label) ? 'water_canteen' : 'water';
    case 'natural_gas':
    case 'lpg':
    case 'coal':
      return BOILER_HINT.test(label) ? 'gas_boiler' : 'gas_canteen';
    case 'electricity':
      return electricityKind(meter.endUse);
  }
}

function electricityKind(endUse: string | undefined): ProfileKind {
  const code = endUse?.replace(/0+$/, '') ?? '01';
  if (code.startsWith('01A2')) return 'corridor_lighting';
  if (code.startsWith('01A3')) return 'outdoor_lighting';
  if (code.startsWith('01A')) return 'lighting';
  if (code.startsWith('01B1')) return 'chiller_plant';
  if (code.startsWith('01B')) return 'hvac';
  if (code.startsWith('01C1')) return 'lifts';
  if (code.startsWith('01C3')) return 'fans';
  if (code.startsWith('01C')) return 'pumps';
  if (code.startsWith('01D1')) return 'it_centre';
  if (code.startsWith('01D3')) return 'kitchen';
  if (code.startsWith('01D')) return 'special';
  return 'building_mix';
}

export function occupancyPatternFor(institutionType: string): OccupancyPattern {
  if (institutionType === 'school') return 'school';
  if (institutionType === 'hospital') return 'hospital';
  return 'office';
}

/** Ningxia's school breaks, approximately: winter 15 Jan – end of Feb, summer 10 Jul – 31 Aug. */
export function isSchoolTerm(local: Pick<LocalParts, 'month' | 'day'>): boolean {
  if ((local.month === 1 && local.day >= 15) || local.month === 2) return false;
  if ((local.month === 7 && local.day >= 10) || local.month === 8) return false;
  return true;
}

/** Share of the institution's people present, 0–1, by local time and kind of day. */
export function occupancy(pattern: OccupancyPattern, local: LocalParts, dayKind: DayKind, schoolTerm: boolean): number {
  const h = local.hour;
  const working = isWorkingDay(dayKind);
  switch (pattern) {
    case 'office':
      // Office hours 08:30–18:00 with a noon break; some overtime in the evening and on weekends.
      if (!working) return between(h, 9, 17) ? 0.1 : 0;
      if (between(h, 7, 8.5)) return 0.8 * ((h - 7) / 1.5);
      if (between(h, 8.5, 12) || between(h, 14, 18)) return 1;
      if (between(h, 12, 14)) return 0.75;
      if (between(h, 18, 20)) return 0.3;
      if (between(h, 20, 22)) return 0.1;
      return 0;
    case 'school':
      // Lessons 07:30–17:30 and evening self-study (晚自习) to 21:30 in term; nearly empty in the breaks.
      if (!schoolTerm || !working) return between(h, 8, 17) ? 0.04 : 0;
      if (between(h, 7, 7.5)) return 0.6;
      if (between(h, 7.5, 12) || between(h, 14, 17.5)) return 1;
      if (between(h, 12, 14)) return 0.5;
      if (between(h, 17.5, 19)) return 0.35;
      if (between(h, 19, 21.5)) return 0.7;
      return 0;
    case 'hospital': {
      // Wards round the clock; outpatients on working days, a half day at weekends, less on holidays.
      const wards = between(h, 6.5, 22) ? 0.5 : 0.35;
      let outpatients = 0;
      if (working) {
        if (between(h, 8, 12)) outpatients = 0.5;
        else if (between(h, 12, 14.5)) outpatients = 0.25;
        else if (between(h, 14.5, 17.5)) outpatients = 0.45;
        else if (between(h, 17.5, 21)) outpatients = 0.15;
      } else if (between(h, 8, 12)) outpatients = dayKind === 'holiday' ? 0.15 : 0.3;
      return wards + outpatients;
    }
  }
}

/** The load of a profile kind as a fraction (about 0–1) of the meter's peak, before noise. */
export function loadFraction(kind: ProfileKind, ctx: SlotContext, pattern: OccupancyPattern): number {
  const occ = ctx.occupancy;
  const h = ctx.local.hour;
  const dark = ctx.sunSin < 0.05;
  const coolNeed = ctx.coolingSeason ? clamp((ctx.tempC - 22) / 12, 0, 1) : 0;
  const heatNeed = ctx.heatingSeason ? clamp((18 - ctx.tempC) / 30, 0.1, 1) : 0;
  switch (kind) {
    case 'lighting':
      return 0.06 + occ * (0.9 - 0.2 * Math.max(0, ctx.sunSin));
    case 'corridor_lighting':
      return dark ? 0.85 : 0.45;
    case 'outdoor_lighting':
      // On from dusk to 23:00 and for the early risers before dawn; standby otherwise.
      return dark && (h >= 12 ? h < 23 : h >= 5.5) ? 0.95 : 0.02;
    case 'hvac':
      if (ctx.coolingSeason) return 0.03 + occ * (0.2 + 0.75 * coolNeed);
      if (ctx.heatingSeason) return 0.03 + occ * 0.35;
      return 0.02 + occ * 0.08;
    case 'chiller_plant':
      return ctx.coolingSeason ? 0.01 + Math.min(1, occ * 1.2) * coolNeed : 0.01;
    case 'lifts':
      return 0.03 + 0.9 * occ;
    case 'pumps':
      return ctx.heatingSeason ? 0.45 + 0.2 * occ : 0.08 + 0.4 * occ;
    case 'fans':
      return 0.1 + 0.6 * occ;
    case 'it_centre':
      return 0.78 + 0.1 * occ + 0.08 * coolNeed;
    case 'kitchen':
    case 'water_canteen':
    case 'gas_canteen':
      return 0.04 + meals(pattern, ctx);
    case 'special':
      return 0.1 + 0.85 * occ;
    case 'building_mix':
      return 0.12 + 0.6 * occ + 0.25 * coolNeed * occ + 0.05 * heatNeed;
    case 'water':
      return 0.02 + 0.9 * occ;
    case 'gas_boiler':
    case 'district_heat': {
      if (!ctx.heatingSeason) return 0;
      // Offices and schools set back at night and on days off (never below frost protection);
      // hospitals heat round the clock. The morning boost warms the building before work.
      const setback = pattern === 'hospital' ? 1 : occ > 0.05 ? 1 : 0.6;
      const boost = pattern !== 'hospital' && ctx.working && between(h, 5, 8) ? 1.2 : 1;
      return Math.min(1, heatNeed * setback * boost);
    }
    case 'pv':
      return ctx.sunSin > 0 ? Math.min(1, Math.pow(ctx.sunSin, 1.2) * ctx.clearness * 1.05) : 0;
    case 'diesel_test':
      // The emergency generator is test-run on load once a month: first Wednesday, 10:00–10:30.
      return ctx.local.weekday === 3 && ctx.local.day <= 7 && between(h, 10, 10.5) ? 1 : 0;
  }
}

/** Meal-time load 0–1: breakfast, lunch, dinner; government canteens serve little dinner and nothing on days off. */
function meals(pattern: OccupancyPattern, ctx: SlotContext): number {
  const h = ctx.local.hour;
  const open = pattern === 'hospital' || (pattern === 'school' ? ctx.schoolTerm && ctx.working : ctx.working);
  if (!open) return pattern === 'office' && between(h, 10.5, 12.5) ? 0.08 : 0;
  if (between(h, 6, 8.5)) return 0.55;
  if (between(h, 10, 12.5)) return 1;
  if (between(h, 16.5, 18.5)) return pattern === 'office' ? 0.15 : 0.7;
  if (between(h, 8.5, 10) || between(h, 14, 16.5)) return 0.15; // preparation and cleaning
  return 0;
}

function between(h: number, from: number, to: number): boolean {
  return h >= from && h < to;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
