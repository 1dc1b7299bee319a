import { TZDate, tzOffset } from '@date-fns/tz';
import { addDays, addMonths, addYears, startOfDay, startOfMonth, startOfYear } from 'date-fns';
import { HOUR_MS } from '../../src/kernel/index.js';

/**
 * Calendar cuts for accounting. Instants are UTC epoch ms everywhere; only the
 * cut points (start of an hour, day, month, year) are computed in the
 * institution's time zone, because cutting a day at UTC misplaces eight hours
 * of consumption in China (domain.md §6.7). `TZDate` makes any IANA zone work,
 * DST included: a local day is then 23 or 25 hours long, an hour bucket is
 * always one real hour.
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
  const offsetMs = tzOffset(timeZone, new Date(tsMs)) * 60_000;
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
export function bucketBoundaries(fromMs: number, toMs: number, bucket: Bucket, timeZone: string = DEFAULT_TIME_ZONE): number[] {
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
  if (start.getFullYear() !== year || start.getMonth() !== (month ?? 1) - 1 || start.getDate() !== (day ?? 1)) return undefined;
  const fromMs = start.getTime();
  return { period, bucket, timeZone, fromMs, toMs: nextBucketStart(fromMs, bucket, timeZone) };
}

/**
 * The local label of the bucket starting at `startMs`: '2026-10-01T08' (hour),
 * '2026-10-01' (day), '2026-10' (month), '2026' (year). Reports print these.
 */
export function bucketLabel(startMs: number, bucket: Bucket, timeZone: string = DEFAULT_TIME_ZONE): string {
  const d = new TZDate(startMs, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const year = String(d.getFullYear());
  const month = `${year}-${pad(d.getMonth() + 1)}`;
  const day = `${month}-${pad(d.getDate())}`;
  return { year, month, day, hour: `${day}T${pad(d.getHours())}` }[bucket];
}

/** The calendar date 'YYYY-MM-DD' of an instant in the time zone (factor validity is dated locally). */
export function localDate(tsMs: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return bucketLabel(tsMs, 'day', timeZone);
}
