import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { DAY_MS, HOUR_MS, localParts } from '../../src/kernel/index.js';
import type { CalendarDay, DayKind, WorkingCalendar } from './working-calendar.js';

/**
 * A meter's learned profile (docs/alerts.md, "Baselines"): per key, the median and the MAD of the
 * hourly consumption of the learning weeks, and the band median ± k · 1.4826 · MAD around it.
 *
 * Keys: a working day's hour is keyed by hour of week (Monday 09:00) where that key has enough
 * samples, else by hour of any working day (09:00 of a working day); a non-working day's hour by
 * hour of non-working day. Weekends and public holidays share one shape (a closed building is
 * closed whatever the reason) and a make-up working day (调休) is a working day: four learning
 * weeks give 4 samples per hour of week but a make-up Saturday has none of its own, so it is
 * judged against the working days' hour, which is what it is.
 */

/** One local hour's consumption in the meter's unit; null when it was not measured in full. */
export interface HourlyConsumption {
  readonly startMs: number;
  readonly consumption: number | null;
}

/** An hour with its place in the local calendar. */
export interface ClassifiedHour extends HourlyConsumption {
  readonly date: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  /** Local hour of day 0–23. */
  readonly hour: number;
  readonly dayKind: DayKind;
  readonly working: boolean;
}

/** Where an hour falls in the zone's calendar: a pure function of its start, the zone and the calendar. */
export type HourPlacement = Pick<ClassifiedHour, 'date' | 'weekday' | 'hour' | 'dayKind' | 'working'>;

/**
 * Placements already computed, by hour start, for one zone and calendar: the meters of a zone share
 * the baseline window's hours, so an evaluation places each hour once, not once per meter.
 */
export type HourPlacements = Map<number, HourPlacement>;

/**
 * Places hours in the zone's calendar; each local date is looked up once. The kernel's calendar
 * places each local day (three lookups a day); an hour of a 24-hour day is then its distance from
 * midnight, and only a day with an offset change (23 or 25 hours) places each of its hours. With
 * `placements` (one zone's and calendar's), an hour placed before is taken from it and a new one added.
 */
export function classifyHours(
  hours: readonly HourlyConsumption[],
  timeZone: string,
  calendar: WorkingCalendar,
  placements?: HourPlacements,
): ClassifiedHour[] {
  const days = new Map<string, CalendarDay>();
  let day: { startMs: number; endMs: number; date: string; weekday: number; regular: boolean } | undefined;
  return hours.map((h) => {
    const known = placements?.get(h.startMs);
    if (known !== undefined) return { ...h, ...known };
    if (day === undefined || h.startMs < day.startMs || h.startMs >= day.endMs) {
      const parts = localParts(h.startMs, timeZone);
      const midnight = localParts(parts.midnightMs, timeZone);
      const next = localParts(parts.midnightMs + DAY_MS, timeZone);
      const regular = midnight.offsetMs === next.offsetMs && next.hour === 0;
      day = {
        startMs: parts.midnightMs,
        endMs: regular ? parts.midnightMs + DAY_MS : h.startMs + 1,
        date: parts.dateKey,
        weekday: parts.weekday,
        regular,
      };
    }
    const hour = day.regular
      ? Math.floor((h.startMs - day.startMs) / HOUR_MS)
      : Math.floor(localParts(h.startMs, timeZone).hour);
    let kind = days.get(day.date);
    if (kind === undefined) {
      kind = calendar.dayOf(day.date);
      days.set(day.date, kind);
    }
    const placement: HourPlacement = {
      date: day.date,
      weekday: day.weekday,
      hour,
      dayKind: kind.kind,
      working: kind.working,
    };
    placements?.set(h.startMs, placement);
    return { ...h, ...placement };
  });
}

export const PROFILE_SCOPES = ['hour_of_week', 'working_hour', 'non_working_hour'] as const;
export type ProfileScope = (typeof PROFILE_SCOPES)[number];

export interface BandParams {
  readonly bandK: number;
  readonly bandFloorShare: number;
  readonly bandFloorAbsolute: number;
  readonly minSamples: number;
}

/** 1.4826 · MAD estimates the standard deviation of normally distributed noise. */
export const MAD_TO_SIGMA = 1.4826;

export interface ProfileBand {
  /** e.g. `hour_of_week:1:09` (Monday 09:00), `working_hour:09`, `non_working_hour:09`. */
  readonly key: string;
  readonly scope: ProfileScope;
  /** hour_of_week only. */
  readonly weekday: number | null;
  readonly hour: number;
  readonly samples: number;
  readonly median: number;
  readonly mad: number;
  /** max(k · 1.4826 · MAD, floorShare · median, floorAbsolute). */
  readonly halfWidth: number;
  /** median − halfWidth, not below 0. */
  readonly lower: number;
  readonly upper: number;
}

export interface BaselineProfile {
  /** The learning range [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Local days with at least one measured hour in the learning range. */
  readonly learningDays: number;
  /** Every key with enough samples, ordered by scope, weekday, hour. */
  readonly bands: readonly ProfileBand[];
  /** The band an hour is judged against, or undefined when no key has enough samples. */
  bandFor(hour: Pick<ClassifiedHour, 'working' | 'weekday' | 'hour'>): ProfileBand | undefined;
}

const pad = (n: number): string => String(n).padStart(2, '0');

function keyOf(scope: ProfileScope, weekday: number | null, hour: number): string {
  return scope === 'hour_of_week' ? `${scope}:${weekday}:${pad(hour)}` : `${scope}:${pad(hour)}`;
}

/** The same key as an integer: scope, weekday (−1 for none) and hour in distinct ranges. */
function numericKeyOf(scope: ProfileScope, weekday: number | null, hour: number): number {
  return (PROFILE_SCOPES.indexOf(scope) * 8 + (weekday ?? -1) + 1) * 32 + hour;
}

export function bandOf(
  scope: ProfileScope,
  weekday: number | null,
  hour: number,
  values: readonly number[],
  params: BandParams,
): ProfileBand {
  return bandFrom(
    scope,
    weekday,
    hour,
    values.length,
    median([...values]),
    medianAbsoluteDeviation([...values]),
    params,
  );
}

/** The band of a key from its learned figures: a pure function of them and the band parameters. */
function bandFrom(
  scope: ProfileScope,
  weekday: number | null,
  hour: number,
  samples: number,
  m: number,
  mad: number,
  params: BandParams,
): ProfileBand {
  const halfWidth = Math.max(params.bandK * MAD_TO_SIGMA * mad, params.bandFloorShare * m, params.bandFloorAbsolute);
  return {
    key: keyOf(scope, weekday, hour),
    scope,
    weekday,
    hour,
    samples,
    median: m,
    mad,
    halfWidth,
    lower: Math.max(0, m - halfWidth),
    upper: m + halfWidth,
  };
}

/** Learns the profile from the measured hours in [fromMs, toMs) of `history`. */
export function learnProfile(
  history: readonly ClassifiedHour[],
  fromMs: number,
  toMs: number,
  params: BandParams,
): BaselineProfile {
  // Numeric keys while collecting (scope, weekday, hour → one integer): a profile is learned per judged
  // day and meter at every evaluation, and string keys per sample were most of its cost.
  const samples = new Map<number, { scope: ProfileScope; weekday: number | null; hour: number; values: number[] }>();
  const add = (scope: ProfileScope, weekday: number | null, hour: number, value: number) => {
    const key = numericKeyOf(scope, weekday, hour);
    const entry = samples.get(key);
    if (entry === undefined) samples.set(key, { scope, weekday, hour, values: [value] });
    else entry.values.push(value);
  };
  const days = new Set<string>();
  for (const h of history) {
    if (h.startMs < fromMs || h.startMs >= toMs || h.consumption === null) continue;
    days.add(h.date);
    if (h.working) {
      add('hour_of_week', h.weekday, h.hour, h.consumption);
      add('working_hour', null, h.hour, h.consumption);
    } else {
      add('non_working_hour', null, h.hour, h.consumption);
    }
  }
  const bands = new Map<number, ProfileBand>();
  for (const [key, s] of samples) {
    if (s.values.length >= params.minSamples) bands.set(key, bandOf(s.scope, s.weekday, s.hour, s.values, params));
  }
  const order = (b: ProfileBand) => [PROFILE_SCOPES.indexOf(b.scope), b.weekday ?? -1, b.hour];
  const sorted = [...bands.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return (
      (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number) || (x[2] as number) - (y[2] as number)
    );
  });
  return {
    fromMs,
    toMs,
    learningDays: days.size,
    bands: sorted,
    bandFor(hour) {
      if (!hour.working) return bands.get(numericKeyOf('non_working_hour', null, hour.hour));
      return (
        bands.get(numericKeyOf('hour_of_week', hour.weekday, hour.hour)) ??
        bands.get(numericKeyOf('working_hour', null, hour.hour))
      );
    },
  };
}

/**
 * A learned profile in compact form, kept between evaluations (docs/alerts.md, "Evaluation cost"):
 * per key, in key order, its numeric key, samples, median and MAD. A band is a pure function of
 * these and the band parameters, so `expandProfile` gives the bands `learnProfile` gave, with
 * 4 numbers per key kept instead of a band object (10 000 meters keep three profiles each).
 */
export interface CompactProfile {
  readonly fromMs: number;
  readonly toMs: number;
  readonly learningDays: number;
  /** Rows of [numeric key, samples, median, MAD], ordered by numeric key (= scope, weekday, hour). */
  readonly table: Float64Array;
}

const ROW = 4;

export function compactProfile(profile: BaselineProfile): CompactProfile {
  const table = new Float64Array(profile.bands.length * ROW);
  profile.bands.forEach((b, i) => {
    table.set([numericKeyOf(b.scope, b.weekday, b.hour), b.samples, b.median, b.mad], i * ROW);
  });
  return { fromMs: profile.fromMs, toMs: profile.toMs, learningDays: profile.learningDays, table };
}

/** The profile of a compact one; a band object is made when it is first asked for. */
export function expandProfile(compact: CompactProfile, params: BandParams): BaselineProfile {
  const { table } = compact;
  const rows = table.length / ROW;
  const made = new Map<number, ProfileBand>();
  const bandAt = (row: number): ProfileBand => {
    const known = made.get(row);
    if (known !== undefined) return known;
    const key = table[row * ROW] as number;
    const hour = key % 32;
    const rest = (key - hour) / 32;
    const weekday = (rest % 8) - 1;
    const scope = PROFILE_SCOPES[(rest - (rest % 8)) / 8] as ProfileScope;
    const band = bandFrom(
      scope,
      weekday < 0 ? null : weekday,
      hour,
      table[row * ROW + 1] as number,
      table[row * ROW + 2] as number,
      table[row * ROW + 3] as number,
      params,
    );
    made.set(row, band);
    return band;
  };
  const find = (key: number): ProfileBand | undefined => {
    let [lo, hi] = [0, rows - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = table[mid * ROW] as number;
      if (at === key) return bandAt(mid);
      if (at < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
  let bands: readonly ProfileBand[] | undefined;
  return {
    fromMs: compact.fromMs,
    toMs: compact.toMs,
    learningDays: compact.learningDays,
    get bands() {
      bands ??= Array.from({ length: rows }, (_, row) => bandAt(row));
      return bands;
    },
    bandFor(hour) {
      if (!hour.working) return find(numericKeyOf('non_working_hour', null, hour.hour));
      return (
        find(numericKeyOf('hour_of_week', hour.weekday, hour.hour)) ??
        find(numericKeyOf('working_hour', null, hour.hour))
      );
    },
  };
}
