import { describe, expect, it } from 'vitest';
import { createWorkingCalendar, weekdayOf } from './working-calendar.js';

describe('createWorkingCalendar (cn)', () => {
  const calendar = createWorkingCalendar({});

  it('knows the 2026 National Day holiday and its make-up working day', () => {
    expect(calendar.dayOf('2026-09-30')).toMatchObject({ kind: 'working_day', working: true, source: 'chinese-days' });
    expect(calendar.dayOf('2026-10-01')).toMatchObject({ kind: 'public_holiday', working: false });
    expect(calendar.dayOf('2026-10-01').name).toBe('National Day 国庆节');
    // A Saturday inside the holiday is a holiday, not a weekend.
    expect(calendar.dayOf('2026-10-03')).toMatchObject({ kind: 'public_holiday', working: false });
    expect(calendar.dayOf('2026-10-07')).toMatchObject({ kind: 'public_holiday', working: false });
    expect(calendar.dayOf('2026-10-10')).toMatchObject({ kind: 'makeup_working_day', working: true });
    expect(calendar.dayOf('2026-10-11')).toMatchObject({ kind: 'weekend', working: false });
    expect(calendar.dayOf('2026-09-20')).toMatchObject({ kind: 'makeup_working_day', working: true });
  });

  it('knows the 2026 Spring Festival and 2025 National Day', () => {
    expect(calendar.dayOf('2026-02-14')).toMatchObject({ kind: 'makeup_working_day' });
    expect(calendar.dayOf('2026-02-17')).toMatchObject({ kind: 'public_holiday' });
    expect(calendar.dayOf('2026-02-28')).toMatchObject({ kind: 'makeup_working_day' });
    expect(calendar.dayOf('2025-10-01')).toMatchObject({ kind: 'public_holiday' });
    expect(calendar.dayOf('2025-10-11')).toMatchObject({ kind: 'makeup_working_day' });
    expect(calendar.coveredYears).toContain(2025);
    expect(calendar.coveredYears).toContain(2026);
  });

  it('falls back to Monday–Friday, flagged, in a year the package does not cover', () => {
    expect(calendar.coveredYears).not.toContain(2027);
    // 1 October 2027 will be a holiday; the package does not know it yet.
    expect(calendar.dayOf('2027-10-01')).toMatchObject({ kind: 'working_day', source: 'weekday_fallback' });
    expect(calendar.dayOf('2027-10-02')).toMatchObject({ kind: 'weekend', source: 'weekday_fallback' });
  });

  it('lets an override win over the package', () => {
    const local = createWorkingCalendar({
      overrides: [
        { date: '2026-10-12', kind: 'public_holiday', note: 'county holiday' },
        { date: '2026-10-10', kind: 'weekend' },
      ],
    });
    expect(local.dayOf('2026-10-12')).toMatchObject({
      kind: 'public_holiday',
      working: false,
      source: 'override',
      note: 'county holiday',
    });
    expect(local.dayOf('2026-10-10')).toMatchObject({ kind: 'weekend', working: false, source: 'override' });
    expect(local.dayOf('2026-10-13')).toMatchObject({ kind: 'working_day', source: 'chinese-days' });
  });

  it('rejects what is not a calendar date', () => {
    expect(() => calendar.dayOf('2026-02-30')).toThrow();
    expect(weekdayOf('2026-13-01')).toBeUndefined();
    expect(weekdayOf('2026-10-01')).toBe(4);
  });
});

describe('createWorkingCalendar (weekdays)', () => {
  it('knows no holidays', () => {
    const plain = createWorkingCalendar({ source: 'weekdays' });
    expect(plain.dayOf('2026-10-01')).toMatchObject({ kind: 'working_day', source: 'weekdays' });
    expect(plain.dayOf('2026-10-10')).toMatchObject({ kind: 'weekend', working: false });
    expect(plain.coveredYears).toEqual([]);
  });
});
