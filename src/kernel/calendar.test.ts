import { describe, expect, it } from 'vitest';
import {
  bucketBoundaries,
  bucketLabel,
  bucketStart,
  formatLocalIso,
  localDate,
  localDays,
  localParts,
  localWallTimeMs,
  OFFSET_CACHE_HOURS,
  periodRange,
  zoneOffsetMs,
} from './calendar.js';
import { tzOffset } from '@date-fns/tz';

const iso = (text: string) => Date.parse(text);
const isoList = (values: number[]) => values.map((ms) => new Date(ms).toISOString());

describe('calendar cuts in the institution time zone', () => {
  it('puts a reading at 2026-09-30T16:30Z on 1 October in Shanghai (UTC+8), not 30 September', () => {
    const ts = iso('2026-09-30T16:30:00Z');
    expect(new Date(bucketStart(ts, 'day', 'Asia/Shanghai')).toISOString()).toBe('2026-09-30T16:00:00.000Z');
    expect(localDate(ts, 'Asia/Shanghai')).toBe('2026-10-01');
    expect(bucketLabel(bucketStart(ts, 'month', 'Asia/Shanghai'), 'month', 'Asia/Shanghai')).toBe('2026-10');
    // The same instant cut at UTC would still be 30 September: the bug this module prevents.
    expect(localDate(ts, 'UTC')).toBe('2026-09-30');
  });

  it('cuts a month at local midnight: 2026-10 in Shanghai is [09-30T16:00Z, 10-31T16:00Z)', () => {
    const range = periodRange('2026-10', 'Asia/Shanghai');
    expect(range && isoList([range.fromMs, range.toMs])).toEqual([
      '2026-09-30T16:00:00.000Z',
      '2026-10-31T16:00:00.000Z',
    ]);
    const days = bucketBoundaries(range!.fromMs, range!.toMs, 'day', 'Asia/Shanghai');
    expect(days).toHaveLength(32); // 31 days
    expect(new Date(days[31]!).toISOString()).toBe('2026-10-31T16:00:00.000Z');
  });

  it('cuts a year and the months in it', () => {
    const range = periodRange('2026', 'Asia/Shanghai')!;
    expect(isoList([range.fromMs, range.toMs])).toEqual(['2025-12-31T16:00:00.000Z', '2026-12-31T16:00:00.000Z']);
    const months = bucketBoundaries(range.fromMs, range.toMs, 'month', 'Asia/Shanghai');
    expect(months.map((ms) => bucketLabel(ms, 'month', 'Asia/Shanghai')).slice(0, 3)).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
    expect(months).toHaveLength(13);
  });

  it('starts from the bucket containing fromMs and ends at the first boundary at or after toMs', () => {
    const b = bucketBoundaries(iso('2026-10-01T00:10:00Z'), iso('2026-10-01T02:00:00Z'), 'hour', 'Asia/Shanghai');
    expect(isoList(b)).toEqual(['2026-10-01T00:00:00.000Z', '2026-10-01T01:00:00.000Z', '2026-10-01T02:00:00.000Z']);
    expect(bucketBoundaries(5, 5, 'hour')).toEqual([]);
  });

  it('keeps hour buckets one real hour long across a DST change (Europe/Berlin, 29 March 2026)', () => {
    // Local 02:00 does not exist that night: 01:00 CET is 00:00Z, 03:00 CEST is 01:00Z.
    const b = bucketBoundaries(iso('2026-03-28T23:00:00Z'), iso('2026-03-29T02:00:00Z'), 'hour', 'Europe/Berlin');
    expect(isoList(b)).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
    expect(b.map((ms) => bucketLabel(ms, 'hour', 'Europe/Berlin'))).toEqual([
      '2026-03-29T00',
      '2026-03-29T01',
      '2026-03-29T03',
      '2026-03-29T04',
    ]);
    const day = periodRange('2026-03-29', 'Europe/Berlin')!;
    expect(day.toMs - day.fromMs).toBe(23 * 3_600_000);
    const autumn = periodRange('2026-10-25', 'Europe/Berlin')!;
    expect(autumn.toMs - autumn.fromMs).toBe(25 * 3_600_000);
    expect(bucketBoundaries(autumn.fromMs, autumn.toMs, 'hour', 'Europe/Berlin')).toHaveLength(26);
  });

  it('refuses malformed or impossible periods', () => {
    for (const bad of ['2026-13', '2026-1', '26', '2026-04-31', '2026-02-29', 'abcd', '2026-10-01T00']) {
      expect(periodRange(bad, 'Asia/Shanghai'), bad).toBeUndefined();
    }
    expect(periodRange('2028-02-29', 'Asia/Shanghai')?.bucket).toBe('day');
  });
});

describe('hour cuts in a zone with a half-hour offset', () => {
  it('starts Kolkata (UTC+5:30) hours at :30 UTC', () => {
    expect(new Date(bucketStart(Date.parse('2026-10-01T00:10:00Z'), 'hour', 'Asia/Kolkata')).toISOString()).toBe(
      '2026-09-30T23:30:00.000Z',
    );
  });
});

describe('local time in the institution zone', () => {
  it('cuts the day at local midnight, not UTC', () => {
    // 2026-10-01T16:30Z is 00:30 on 2 October in Shanghai.
    const p = localParts(Date.parse('2026-10-01T16:30:00Z'), 'Asia/Shanghai');
    expect(p.dateKey).toBe('2026-10-02');
    expect(p.hour).toBe(0.5);
    expect(p.weekday).toBe(5);
    expect(p.midnightMs).toBe(Date.parse('2026-10-01T16:00:00Z'));
    expect(p.dayOfYear).toBe(275);
  });

  it('formats with and without the offset, milliseconds only when present', () => {
    const ts = Date.parse('2026-10-01T00:15:00Z');
    expect(formatLocalIso(ts, 'Asia/Shanghai', true)).toBe('2026-10-01T08:15:00+08:00');
    expect(formatLocalIso(ts, 'Asia/Shanghai', false)).toBe('2026-10-01T08:15:00');
    expect(formatLocalIso(ts + 5, 'Asia/Shanghai', true)).toBe('2026-10-01T08:15:00.005+08:00');
    expect(formatLocalIso(ts, 'America/New_York', true)).toBe('2026-09-30T20:15:00-04:00');
    expect(Date.parse(formatLocalIso(ts, 'Asia/Shanghai', true))).toBe(ts);
  });
});

describe('local days and wall times', () => {
  it('splits a Berlin range across the autumn DST change into a 25-hour day', () => {
    const days = localDays(Date.parse('2026-10-24T22:00:00Z'), Date.parse('2026-10-26T23:00:00Z'), 'Europe/Berlin');
    expect(days?.map((d) => (d.endMs - d.startMs) / 3_600_000)).toEqual([25, 24]);
  });

  it('refuses a range that does not start and end at local midnight', () => {
    expect(
      localDays(Date.parse('2026-10-01T00:00:00Z'), Date.parse('2026-10-02T16:00:00Z'), 'Asia/Shanghai'),
    ).toBeUndefined();
  });

  it('turns a local wall time into its instant and refuses impossible or skipped ones', () => {
    const at = (year: number, month: number, day: number, hour: number, zone: string) =>
      localWallTimeMs({ year, month, day, hour, minute: 0, second: 0 }, zone);
    expect(at(2026, 10, 1, 8, 'Asia/Shanghai')).toBe(Date.parse('2026-10-01T00:00:00Z'));
    expect(at(2026, 2, 30, 8, 'Asia/Shanghai')).toBeUndefined();
    expect(at(2026, 10, 1, 24, 'Asia/Shanghai')).toBeUndefined();
    // 02:30 does not exist in Berlin on 29 March 2026 (clocks jump from 02:00 to 03:00).
    expect(
      localWallTimeMs({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin'),
    ).toBeUndefined();
  });
});

describe('the cache of zone offsets', () => {
  const exact = (tsMs: number, zone: string) => tzOffset(zone, new Date(tsMs)) * 60_000;
  const QUARTER_MS = 15 * 60_000;

  it('gives the exact offset at every quarter hour around DST changes, asked in any order', () => {
    // Lord Howe moves by 30 minutes at 02:00 local; Kathmandu is +05:45: quarter-hour transitions and offsets.
    const changes: [string, string][] = [
      ['Europe/Berlin', '2026-03-29T01:00:00Z'],
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Asia/Kathmandu', '2026-04-04T15:00:00Z'],
      ['Asia/Shanghai', '2026-04-04T15:00:00Z'],
    ];
    for (const [zone, at] of changes) {
      const instants: number[] = [];
      for (let t = iso(at) - 6 * 3_600_000; t < iso(at) + 6 * 3_600_000; t += QUARTER_MS)
        instants.push(t, t + 7 * 60_000 + 123, t + QUARTER_MS - 1);
      const expected = instants.map((t) => exact(t, zone));
      // Backwards, then forwards: a cached hour answers the same as a fresh one.
      expect([...instants].reverse().map((t) => zoneOffsetMs(t, zone))).toEqual([...expected].reverse());
      expect(instants.map((t) => zoneOffsetMs(t, zone))).toEqual(expected);
    }
  });

  it('places the autumn change of Berlin on the quarter hour it happens, inside the cached hour', () => {
    const change = iso('2026-10-25T01:00:00Z');
    expect(zoneOffsetMs(change - 1, 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(zoneOffsetMs(change, 'Europe/Berlin')).toBe(3_600_000);
    expect(zoneOffsetMs(change + 30 * 60_000, 'Europe/Berlin')).toBe(3_600_000);
  });

  it('stays exact past its bound (the map is emptied and refilled)', () => {
    const zone = 'America/Santiago';
    const start = iso('2000-01-01T00:00:00Z');
    const checked: number[] = [];
    for (let h = 0; h < OFFSET_CACHE_HOURS + 5_000; h += 1) {
      const t = start + h * 3_600_000;
      const offset = zoneOffsetMs(t, zone);
      if (h % 4_999 === 0 || h >= OFFSET_CACHE_HOURS - 2) checked.push(t, offset);
    }
    const pairs = Array.from({ length: checked.length / 2 }, (_, i) => checked[2 * i] as number);
    expect(pairs.flatMap((t) => [t, exact(t, zone)])).toEqual(checked);
    expect(zoneOffsetMs(start, zone)).toBe(exact(start, zone));
  }, 60_000);
});
