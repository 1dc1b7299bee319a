import { describe, expect, it } from 'vitest';
import { daysInMonth, parseIsoInstant } from './time.js';

describe('parseIsoInstant', () => {
  it.each([
    ['2026-10-01T08:15:00+08:00', Date.UTC(2026, 9, 1, 0, 15)],
    ['2026-10-01T00:15Z', Date.UTC(2026, 9, 1, 0, 15)],
    ['2026-10-01T00:15:30.5Z', Date.UTC(2026, 9, 1, 0, 15, 30, 500)],
    ['2026-10-01T00:15:30.123456789Z', Date.UTC(2026, 9, 1, 0, 15, 30, 123)],
    ['2026-10-01T00:15:00-0530', Date.UTC(2026, 9, 1, 5, 45)],
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['2026-12-31T23:59:59+14:00', Date.UTC(2026, 11, 31, 9, 59, 59)],
  ])('%s is %i', (text, ms) => {
    expect(parseIsoInstant(text)).toBe(ms);
  });

  it.each([
    ['no offset', '2026-10-01T00:00:00'],
    ['a date only', '2026-10-01'],
    ['words', 'yesterday'],
    ['30 February', '2026-02-30T00:00:00+08:00'],
    ['29 February of a common year', '2026-02-29T00:00:00Z'],
    ['29 February of 1900', '1900-02-29T00:00:00Z'],
    ['31 April', '2026-04-31T00:00:00Z'],
    ['day 0', '2026-04-00T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['month 0', '2026-00-01T00:00:00Z'],
    ['hour 24', '2026-10-01T24:00:00+08:00'],
    ['hour 24 without seconds', '2026-10-01T24:00Z'],
    ['minute 60', '2026-10-01T10:60:00Z'],
    ['second 60', '2026-10-01T10:00:60Z'],
    ['an offset of 24 hours', '2026-10-01T10:00:00+24:00'],
    ['an offset minute of 60', '2026-10-01T10:00:00+08:60'],
    ['a two-digit year', '0026-10-01T10:00:00Z'],
  ])('refuses %s (%s)', (_what, text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });
});

describe('daysInMonth', () => {
  it('follows the Gregorian leap rules', () => {
    expect([2024, 2026, 1900, 2000].map((y) => daysInMonth(y, 2))).toEqual([29, 28, 28, 29]);
    const months = Array.from({ length: 12 }, (_, k) => daysInMonth(2026, k + 1));
    expect(months).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
  });
});
