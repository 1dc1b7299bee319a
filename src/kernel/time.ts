/** Time helpers for the cores: all instants are UTC epoch milliseconds. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

// Date, time (seconds and fraction optional), offset (Z, ±hh:mm or ±hhmm); the fields are checked below.
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses an ISO-8601 instant that names its offset (Z or ±hh:mm). A local time
 * without an offset is ambiguous for a meter reading and is refused (undefined).
 * So is any impossible field (30 February, hour 24, minute 60, second 60, an
 * offset beyond ±23:59): `Date.parse` would roll those over to another instant,
 * and a reading or a query bound silently moved is worse than one refused.
 * Digits past the millisecond are accepted and truncated.
 */
export function parseIsoInstant(text: string): number | undefined {
  const match = ISO_INSTANT.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, sign, offH, offMi] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetHours = offH === undefined ? 0 : Number(offH);
  const offsetMinutes = offMi === undefined ? 0 : Number(offMi);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * MINUTE_MS;
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs;
  // Date.UTC maps years 0–99 to 1900–1999; those are not meter readings either.
  return year >= 100 && Number.isFinite(utcMs) ? utcMs : undefined;
}

/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
