import { describe, expect, it } from 'vitest';
import { cnDayKind, isWorkingDay } from './cn-holidays.js';

const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const kind = (date: string) => cnDayKind(date, weekdayOf(date));

describe('Chinese public holidays and make-up days', () => {
  it('knows the 2026 National Day week and its make-up Saturday', () => {
    for (const d of ['2026-10-01', '2026-10-05', '2026-10-07']) expect(kind(d)).toBe('holiday');
    expect(kind('2026-09-20')).toBe('makeup_workday'); // a Sunday worked
    expect(kind('2026-10-10')).toBe('makeup_workday'); // a Saturday worked
    expect(kind('2026-10-08')).toBe('workday');
    expect(kind('2026-10-11')).toBe('weekend');
  });

  it('knows the 2025 Spring Festival (除夕 28 Jan to 4 Feb) and its make-up days', () => {
    expect(kind('2025-01-28')).toBe('holiday');
    expect(kind('2025-02-04')).toBe('holiday');
    expect(kind('2025-01-26')).toBe('makeup_workday');
    expect(kind('2025-02-08')).toBe('makeup_workday');
    expect(kind('2025-02-05')).toBe('workday');
  });

  it('falls back to plain weekends outside the table', () => {
    expect(kind('2027-01-01')).toBe('workday'); // a Friday; 2027 is not in the table yet
    expect(kind('2027-01-02')).toBe('weekend');
  });

  it('counts make-up days as working days', () => {
    expect(isWorkingDay('makeup_workday')).toBe(true);
    expect(isWorkingDay('holiday')).toBe(false);
    expect(isWorkingDay('weekend')).toBe(false);
  });
});
