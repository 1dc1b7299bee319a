import { TZDate, tzOffset } from '@date-fns/tz';
import { addDays, addMonths, addYears, startOfDay, startOfMonth, startOfYear } from 'date-fns';
import { DAY_MS, HOUR_MS } from './time.js';

/**
 * The one calendar of the product: every local cut (hour, day, month, year) and
 * every local wall-clock field is computed here, for accounting, the stores,
 * ingest and the simulator alike. Instants are UTC epoch ms everywhere; only the
 * cut points are computed in the institution's time zone, because cutting a day
 * at UTC misplaces eight hours of consumption in China (docs/methodology.md,
 * "Calendar cuts"). `TZDate` makes any IANA zone work, DST included: a local day
 * is then 23 or 25 hours long, an hour bucket is always one real hour.
 */

export const BUCKETS = ['hour', 'day', 'month', 'year'] as const;
export type Bucket = (typeof BUCKETS)[number];

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

type CalendarBucket = Exclude<Bucket, 'hour'>;

const START_OF: Record<CalendarBucket, (date: TZDate) => TZDate> = {
  day: (d) => startOfDay(d),
  month: (d) => startOfMonth(d),
  year: (d) => startOfYear(d),
};

const ADD_ONE: Record<CalendarBucket, (date: TZDate) => TZDate> = {
  day: (d) => addDays(d, 1),
  month: (d) => addMonths(d, 1),
  year: (d) => addYears(d, 1),
};

/**
 * Hours are cut on the instant, not through local wall-clock setters: in the
 * repeated hour of an autumn DST change, local "02:00" names two instants and a
 * setter would pick one of them, losing a bucket. The offset in force at `tsMs`
 * also places hour starts right in zones with a half-hour offset.
 */
function hourStart(tsMs: number, timeZone: string): number {
  const offsetMs = zoneOffsetMs(tsMs, timeZone);
  const intoHourMs = (((tsMs + offsetMs) % HOUR_MS) + HOUR_MS) % HOUR_MS;
  return tsMs - intoHourMs;
}

/** The start (UTC ms) of the local hour/day/month/year that contains `tsMs`. */
export function bucketStart(tsMs: number, bucket: Bucket, timeZone: string = DEFAULT_TIME_ZONE): number {
  if (bucket === 'hour') return hourStart(tsMs, timeZone);
  return START_OF[bucket](new TZDate(tsMs, timeZone)).getTime();
}

/** The start of the next local bucket after the one starting at `startMs`. */
export function nextBucketStart(startMs: number, bucket: Bucket, timeZone: string = DEFAULT_TIME_ZONE): number {
  if (bucket === 'hour') return hourStart(startMs + HOUR_MS, timeZone);
  return START_OF[bucket](ADD_ONE[bucket](new TZDate(startMs, timeZone))).getTime();
}

/**
 * Ascending bucket boundaries (UTC ms) that cover [fromMs, toMs): the first is
 * the start of the local bucket containing `fromMs`, the last is the first
 * boundary at or after `toMs`. n boundaries describe n − 1 buckets
 * [b[i], b[i+1]). An empty range gives no buckets (one or zero boundaries).
 */
export function bucketBoundaries(
  fromMs: number,
  toMs: number,
  bucket: Bucket,
  timeZone: string = DEFAULT_TIME_ZONE,
): number[] {
  if (!(fromMs < toMs)) return [];
  const boundaries = [bucketStart(fromMs, bucket, timeZone)];
  let current = boundaries[0] as number;
  while (current < toMs) {
    current = nextBucketStart(current, bucket, timeZone);
    boundaries.push(current);
  }
  return boundaries;
}

/** A reporting period: [fromMs, toMs) in UTC ms, cut in `timeZone`. */
export interface PeriodRange {
  readonly period: string;
  readonly bucket: 'day' | 'month' | 'year';
  readonly timeZone: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Resolves 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' to its UTC range in the time zone.
 * A malformed or impossible period (month 13, 31 April) gives `undefined`, for the
 * caller to turn into a 400; whether the period is in the future is the caller's
 * decision (the core has no clock).
 */
export function periodRange(period: string, timeZone: string = DEFAULT_TIME_ZONE): PeriodRange | undefined {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(period);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = match[2] === undefined ? undefined : Number(match[2]);
  const day = match[3] === undefined ? undefined : Number(match[3]);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  const bucket = day !== undefined ? 'day' : month !== undefined ? 'month' : 'year';
  const start = new TZDate(year, (month ?? 1) - 1, day ?? 1, timeZone);
  // TZDate rolls 31 April over to 1 May; refuse instead of reporting the wrong day.
  if (start.getFullYear() !== year || start.getMonth() !== (month ?? 1) - 1 || start.getDate() !== (day ?? 1))
    return undefined;
  const fromMs = start.getTime();
  return { period, bucket, timeZone, fromMs, toMs: nextBucketStart(fromMs, bucket, timeZone) };
}

/**
 * The local label of the bucket starting at `startMs`: '2026-10-01T08' (hour),
 * '2026-10-01' (day), '2026-10' (month), '2026' (year). Reports print these.
 */
export function bucketLabel(startMs: number, bucket: Bucket, timeZone: string = DEFAULT_TIME_ZONE): string {
  const d = new TZDate(startMs, timeZone);
  const year = String(d.getFullYear());
  const month = `${year}-${pad(d.getMonth() + 1)}`;
  const day = `${month}-${pad(d.getDate())}`;
  return { year, month, day, hour: `${day}T${pad(d.getHours())}` }[bucket];
}

/** The calendar date 'YYYY-MM-DD' of an instant in the time zone (factor validity is dated locally). */
export function localDate(tsMs: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return bucketLabel(tsMs, 'day', timeZone);
}

/** A local day [startMs, endMs) of a zone: 24 hours long, or 23 and 25 on DST changes. */
export interface LocalDay {
  readonly startMs: number;
  readonly endMs: number;
}

/** The local days that make up [fromMs, toMs), or undefined when the range does not start and end at local midnight. */
export function localDays(fromMs: number, toMs: number, timeZone: string = DEFAULT_TIME_ZONE): LocalDay[] | undefined {
  if (bucketStart(fromMs, 'day', timeZone) !== fromMs || bucketStart(toMs, 'day', timeZone) !== toMs) return undefined;
  const days: LocalDay[] = [];
  for (let start = fromMs; start < toMs;) {
    const end = nextBucketStart(start, 'day', timeZone);
    days.push({ startMs: start, endMs: end });
    start = end;
  }
  return days;
}

/**
 * The instant of a local wall-clock time (month 1–12), e.g. a Tasmota device's
 * `Time` without an offset. A wall time that does not exist (the skipped hour of a
 * spring DST change) or is out of range (31 April, 24:00) gives undefined.
 */
export function localWallTimeMs(
  fields: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  timeZone: string = DEFAULT_TIME_ZONE,
): number | undefined {
  const { year, month, day, hour, minute, second } = fields;
  const d = new TZDate(year, month - 1, day, hour, minute, second, timeZone);
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return undefined;
  const same =
    d.getFullYear() === year &&
    d.getMonth() === month - 1 &&
    d.getDate() === day &&
    d.getHours() === hour &&
    d.getMinutes() === minute &&
    d.getSeconds() === second;
  return same ? ms : undefined;
}

/** Local calendar fields of a UTC instant in a zone (the simulator's load profiles read these). */
export interface LocalParts {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
  /** Hours since local midnight, fractional (10.5 = 10:30). */
  readonly hour: number;
  /** 1–366 */
  readonly dayOfYear: number;
  /** YYYY-MM-DD, the local date. */
  readonly dateKey: string;
  /** The instant of local midnight that starts this date. */
  readonly midnightMs: number;
  /** Local time minus UTC, in ms (+8 h for Asia/Shanghai). */
  readonly offsetMs: number;
}

// Every zone's offset changes only at instants that are whole quarter hours of UTC, and at most
// once in an hour. So per zone and UTC hour one offset is remembered when the offsets at the hour's
// start and at the next hour's start agree (no change inside it), else the four quarters' offsets.
// Rule evaluations and the simulator ask millions of times for the offsets of a few thousand hours
// (a baseline learns from weeks of hours, for every meter). The map per zone is bounded: past
// OFFSET_CACHE_HOURS entries it is emptied and refilled, so a long-running process stays small.
const QUARTER_HOUR_MS = 15 * 60_000;
/** About 11 years of hours per zone. */
export const OFFSET_CACHE_HOURS = 100_000;
const offsetsByZone = new Map<string, Map<number, number | readonly number[]>>();

function rawOffsetMs(tsMs: number, timeZone: string): number {
  return tzOffset(timeZone, new Date(tsMs)) * 60_000;
}

function hourOffsets(hour: number, timeZone: string): number | readonly number[] {
  const startMs = hour * HOUR_MS;
  const atStart = rawOffsetMs(startMs, timeZone);
  if (rawOffsetMs(startMs + HOUR_MS, timeZone) === atStart) return atStart;
  return [0, 1, 2, 3].map((q) => (q === 0 ? atStart : rawOffsetMs(startMs + q * QUARTER_HOUR_MS, timeZone)));
}

/** The zone's offset from UTC at an instant, in ms. */
export function zoneOffsetMs(tsMs: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  const hour = Math.floor(tsMs / HOUR_MS);
  let offsets = offsetsByZone.get(timeZone);
  if (offsets === undefined) {
    offsets = new Map();
    offsetsByZone.set(timeZone, offsets);
  }
  let known = offsets.get(hour);
  if (known === undefined) {
    if (offsets.size >= OFFSET_CACHE_HOURS) offsets.clear();
    known = hourOffsets(hour, timeZone);
    offsets.set(hour, known);
  }
  if (typeof known === 'number') return known;
  return known[Math.floor((tsMs - hour * HOUR_MS) / QUARTER_HOUR_MS)] as number;
}

export function localParts(tsMs: number, timeZone: string = DEFAULT_TIME_ZONE): LocalParts {
  const offsetMs = zoneOffsetMs(tsMs, timeZone);
  const local = new Date(tsMs + offsetMs);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() + 1;
  const day = local.getUTCDate();
  const msOfDay = tsMs + offsetMs - Date.UTC(year, month - 1, day);
  return {
    year,
    month,
    day,
    weekday: local.getUTCDay(),
    hour: msOfDay / HOUR_MS,
    dayOfYear: Math.floor((Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / DAY_MS) + 1,
    dateKey: `${year}-${pad(month)}-${pad(day)}`,
    midnightMs: tsMs - msOfDay,
    offsetMs,
  };
}

/**
 * `2026-10-01T08:15:00` (withOffset false, Tasmota style) or
 * `2026-10-01T08:15:00+08:00` (withOffset true); milliseconds are written only
 * when not zero.
 */
export function formatLocalIso(tsMs: number, timeZone: string, withOffset: boolean): string {
  const offsetMs = zoneOffsetMs(tsMs, timeZone);
  const local = new Date(tsMs + offsetMs);
  const ms = local.getUTCMilliseconds();
  const text =
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    (ms === 0 ? '' : `.${String(ms).padStart(3, '0')}`);
  if (!withOffset) return text;
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs) / 60_000;
  return `${text}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
