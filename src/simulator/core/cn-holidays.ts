/**
 * Public holidays and make-up working days (调休) in mainland China, as set each
 * year by the State Council General Office. Transcribed from:
 * - 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12);
 * - 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, published by Xinhua).
 * A year missing from the table falls back to plain weekends: add the next
 * year's notice here when it is published (usually in November).
 */

export interface HolidayYear {
  /** Days off (inclusive ranges, local dates), including the weekend days inside them. */
  readonly holidays: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  /** Weekend days that are working days to make up for the long breaks (调休上班). */
  readonly makeupWorkdays: readonly string[];
}

export const CN_HOLIDAYS: Readonly<Record<number, HolidayYear>> = {
  2025: {
    holidays: [
      { name: '元旦', from: '2025-01-01', to: '2025-01-01' },
      { name: '春节', from: '2025-01-28', to: '2025-02-04' },
      { name: '清明节', from: '2025-04-04', to: '2025-04-06' },
      { name: '劳动节', from: '2025-05-01', to: '2025-05-05' },
      { name: '端午节', from: '2025-05-31', to: '2025-06-02' },
      { name: '国庆节、中秋节', from: '2025-10-01', to: '2025-10-08' },
    ],
    makeupWorkdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  2026: {
    holidays: [
      { name: '元旦', from: '2026-01-01', to: '2026-01-03' },
      { name: '春节', from: '2026-02-15', to: '2026-02-23' },
      { name: '清明节', from: '2026-04-04', to: '2026-04-06' },
      { name: '劳动节', from: '2026-05-01', to: '2026-05-05' },
      { name: '端午节', from: '2026-06-19', to: '2026-06-21' },
      { name: '中秋节', from: '2026-09-25', to: '2026-09-27' },
      { name: '国庆节', from: '2026-10-01', to: '2026-10-07' },
    ],
    makeupWorkdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
};

/** workday: Mon–Fri; weekend: Sat/Sun; holiday: a listed day off; makeup_workday: a weekend day worked (调休). */
export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup_workday';

/** Which kind of day a local date is. `dateKey` is YYYY-MM-DD; `weekday` 0 = Sunday … 6 = Saturday. */
export function cnDayKind(dateKey: string, weekday: number): DayKind {
  const year = CN_HOLIDAYS[Number(dateKey.slice(0, 4))];
  if (year) {
    if (year.makeupWorkdays.includes(dateKey)) return 'makeup_workday';
    // ISO dates compare correctly as strings.
    if (year.holidays.some((h) => h.from <= dateKey && dateKey <= h.to)) return 'holiday';
  }
  return weekday === 0 || weekday === 6 ? 'weekend' : 'workday';
}

export function isWorkingDay(kind: DayKind): boolean {
  return kind === 'workday' || kind === 'makeup_workday';
}
