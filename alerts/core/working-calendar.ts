// The package's published data table, read directly: its query functions (isWorkday, getDayDetail)
// parse a date in UTC and read it back in the process's zone, so west of UTC they answer for the wrong
// day. The table is the same maintained source (the State Council's yearly notice), keyed by date.
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

/**
 * The working-day calendar of the baseline rules (docs/alerts.md, "Working-day calendar").
 *
 * A local date is one of four kinds. A public holiday and a weekend are non-working days; a
 * make-up working day (调休, a Saturday or Sunday worked to bridge a holiday) is a working day.
 * China's days come from the `chinese-days` package, maintained yearly from the State Council's
 * notice; a year the package does not cover yet (or no longer covers) falls back to Monday–Friday
 * and each of its days says so (`source: 'weekday_fallback'`), so the route can show that the
 * holidays of that year are not known. Overrides from the configuration (a local holiday, a day
 * the institution closes) win over both.
 */

export const DAY_KINDS = ['working_day', 'weekend', 'public_holiday', 'makeup_working_day'] as const;
export type DayKind = (typeof DAY_KINDS)[number];

/** Where a day's kind came from. */
export const DAY_KIND_SOURCES = ['chinese-days', 'weekday_fallback', 'weekdays', 'override'] as const;
export type DayKindSource = (typeof DAY_KIND_SOURCES)[number];

/** `cn`: China's public holidays and make-up days; `weekdays`: Monday–Friday, no holidays. */
export const CALENDAR_SOURCES = ['cn', 'weekdays'] as const;
export type CalendarSource = (typeof CALENDAR_SOURCES)[number];

export interface CalendarOverride {
  /** Local date YYYY-MM-DD. */
  readonly date: string;
  readonly kind: DayKind;
  readonly note?: string | undefined;
}

export interface CalendarDay {
  readonly date: string;
  readonly kind: DayKind;
  /** Working days and make-up working days. */
  readonly working: boolean;
  readonly source: DayKindSource;
  /** The holiday's name (English and Chinese) for holidays and make-up days from the package. */
  readonly name?: string | undefined;
  /** The override's note. */
  readonly note?: string | undefined;
}

export interface WorkingCalendar {
  readonly source: CalendarSource;
  /** The kind of a local date YYYY-MM-DD. */
  dayOf(date: string): CalendarDay;
  /** Years (local) the holiday table covers; empty for `weekdays`. */
  readonly coveredYears: readonly number[];
}

export const isWorkingKind = (kind: DayKind): boolean => kind === 'working_day' || kind === 'makeup_working_day';

interface HolidayTable {
  readonly holidays: Readonly<Record<string, string>>;
  readonly workdays: Readonly<Record<string, string>>;
}

const TABLE: HolidayTable = chineseDays;

/** The years with at least one holiday in the table: a year without any is not covered. */
const COVERED_YEARS: readonly number[] = [...new Set(Object.keys(TABLE.holidays).map((d) => Number(d.slice(0, 4))))]
  .filter((y) => Number.isInteger(y))
  .sort((a, b) => a - b);

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 0 = Sunday … 6 = Saturday of a calendar date (UTC arithmetic is exact on dates); undefined if not a real date. */
export function weekdayOf(date: string): number | undefined {
  const match = DATE_PATTERN.exec(date);
  if (!match) return undefined;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(Date.UTC(y, m - 1, d));
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== m - 1 || utc.getUTCDate() !== d) return undefined;
  return utc.getUTCDay();
}

const isWeekend = (weekday: number): boolean => weekday === 0 || weekday === 6;

/** The package's name field is "English,中文,n" (n: the holiday's length class): keep the two names. */
function holidayName(raw: string): string {
  const [en, zh] = raw.split(',');
  return zh === undefined ? raw : `${en ?? ''} ${zh}`.trim();
}

export function createWorkingCalendar(options: {
  readonly source?: CalendarSource;
  readonly overrides?: readonly CalendarOverride[];
}): WorkingCalendar {
  const source = options.source ?? 'cn';
  const overrides = new Map((options.overrides ?? []).map((o) => [o.date, o]));
  const covered = new Set(source === 'cn' ? COVERED_YEARS : []);
  return {
    source,
    coveredYears: [...covered],
    dayOf(date) {
      const weekday = weekdayOf(date);
      if (weekday === undefined) throw new Error(`not a calendar date: ${date}`);
      const override = overrides.get(date);
      if (override !== undefined) {
        return {
          date,
          kind: override.kind,
          working: isWorkingKind(override.kind),
          source: 'override',
          note: override.note,
        };
      }
      const plain = (from: DayKindSource): CalendarDay => {
        const kind: DayKind = isWeekend(weekday) ? 'weekend' : 'working_day';
        return { date, kind, working: kind === 'working_day', source: from };
      };
      if (source === 'weekdays') return plain('weekdays');
      if (!covered.has(Number(date.slice(0, 4)))) return plain('weekday_fallback');
      const holiday = TABLE.holidays[date];
      if (holiday !== undefined)
        return { date, kind: 'public_holiday', working: false, source: 'chinese-days', name: holidayName(holiday) };
      const makeUp = TABLE.workdays[date];
      if (makeUp !== undefined && isWeekend(weekday))
        return { date, kind: 'makeup_working_day', working: true, source: 'chinese-days', name: holidayName(makeUp) };
      return plain('chinese-days');
    },
  };
}
