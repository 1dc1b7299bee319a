import { DAY_MS, HOUR_MS } from '../../kernel/index.js';

/**
 * Local calendar fields of a UTC instant in an IANA time zone, computed with
 * Intl (pure: no clock, no I/O). The offset is looked up once per UTC hour and
 * zone and remembered, which keeps a 60-day × 40-meter run cheap.
 */
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

const formatters = new Map<string, Intl.DateTimeFormat>();
const lastOffset = new Map<string, { hourMs: number; offsetMs: number }>();

/** The zone's offset from UTC at an instant, in ms. */
export function zoneOffsetMs(tsMs: number, timeZone: string): number {
  const hourMs = Math.floor(tsMs / HOUR_MS) * HOUR_MS;
  const cached = lastOffset.get(timeZone);
  if (cached && cached.hourMs === hourMs) return cached.offsetMs;
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const f: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(hourMs))) if (part.type !== 'literal') f[part.type] = Number(part.value);
  const asUtc = Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
  const offsetMs = asUtc - hourMs;
  lastOffset.set(timeZone, { hourMs, offsetMs });
  return offsetMs;
}

export function localParts(tsMs: number, timeZone: string): LocalParts {
  const offsetMs = zoneOffsetMs(tsMs, timeZone);
  const local = new Date(tsMs + offsetMs);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() + 1;
  const day = local.getUTCDate();
  const msOfDay = (tsMs + offsetMs) - Date.UTC(year, month - 1, day);
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
