import { bucketStart, DAY_MS, HOUR_MS, localDate, nextBucketStart } from '../../src/kernel/index.js';
import { judgeHour, trackAnomaly, type AnomalyState, type JudgedHour } from './baseline-anomaly.js';
import {
  classifyHours,
  learnProfile,
  type BandParams,
  type BaselineProfile,
  type ClassifiedHour,
  type HourlyConsumption,
  type HourPlacements,
} from './baseline-profile.js';
import { offHoursWaste, type OffHoursDay, type WasteThresholds, type WorkingHours } from './off-hours-waste.js';
import type { CalendarDay, WorkingCalendar } from './working-calendar.js';

/**
 * One meter's baseline as of an instant (docs/alerts.md, "Baselines"): which hours are read, the
 * profile each judged day is held against, the anomaly episode and each day's off-hours waste.
 *
 * The judged hours are the complete local hours from the start of the day `lookbackDays` before
 * the evaluation day up to the last whole hour before `asOfMs`; each judged day is held against
 * the profile learned from the `learningWeeks` weeks just before it, so no hour is judged by a
 * profile it is part of, and every day has the same kind of profile whenever it is evaluated
 * (the backtest of a past instant gives what the live run gave then).
 */

export interface BaselineParams extends BandParams {
  readonly learningWeeks: number;
  readonly minLearningDays: number;
  readonly consecutiveHours: number;
  readonly lookbackDays: number;
  readonly workingHours: WorkingHours;
  readonly offHoursWaste: WasteThresholds;
}

export interface BaselineWindow {
  /** Hourly consumption is needed over [dataFromMs, judgedToMs). */
  readonly dataFromMs: number;
  readonly judgedFromMs: number;
  /** The end of the last whole local hour at or before asOfMs. */
  readonly judgedToMs: number;
  /** Starts of the judged local days, the evaluation day last. */
  readonly judgedDayStartsMs: readonly number[];
}

/** The local midnight `days` days before the local midnight `dayStartMs` (DST days are 23 or 25 hours). */
function daysBefore(dayStartMs: number, days: number, timeZone: string): number {
  return bucketStart(dayStartMs - days * DAY_MS + 6 * HOUR_MS, 'day', timeZone);
}

export function baselineWindow(asOfMs: number, timeZone: string, params: BaselineParams): BaselineWindow {
  const evaluationDayMs = bucketStart(asOfMs, 'day', timeZone);
  const judgedFromMs = daysBefore(evaluationDayMs, params.lookbackDays, timeZone);
  const starts: number[] = [];
  for (let d = judgedFromMs; d <= evaluationDayMs; d = nextBucketStart(d, 'day', timeZone)) starts.push(d);
  return {
    dataFromMs: daysBefore(judgedFromMs, 7 * params.learningWeeks, timeZone),
    judgedFromMs,
    judgedToMs: bucketStart(asOfMs, 'hour', timeZone),
    judgedDayStartsMs: starts,
  };
}

export type HistoryStatus =
  | { readonly status: 'ok'; readonly learningDays: number }
  | { readonly status: 'insufficient_history'; readonly learningDays: number; readonly neededDays: number };

export interface MeterAnalysis {
  readonly asOfMs: number;
  readonly timeZone: string;
  readonly window: BaselineWindow;
  /** The evaluation day's profile (learned from the weeks before it). */
  readonly profile: BaselineProfile;
  /** Whether the evaluation day's profile has enough history to judge. */
  readonly history: HistoryStatus;
  readonly judged: readonly JudgedHour[];
  readonly anomaly: AnomalyState | undefined;
  /** One entry per judged day with at least one judged off hour. */
  readonly offHours: readonly OffHoursDay[];
  /** The calendar's kind of every local day of the window. */
  readonly days: readonly CalendarDay[];
}

export interface MeterAnalysisInput {
  /** Hourly consumption over [window.dataFromMs, window.judgedToMs), any order; missing hours are unmeasured. */
  readonly hours: readonly HourlyConsumption[];
  readonly asOfMs: number;
  readonly timeZone: string;
  readonly calendar: WorkingCalendar;
  readonly params: BaselineParams;
  /** Hour placements shared by the meters of one zone and calendar (see HourPlacements). */
  readonly placements?: HourPlacements;
}

export function analyseMeter(input: MeterAnalysisInput): MeterAnalysis {
  const { asOfMs, timeZone, calendar, params } = input;
  const window = baselineWindow(asOfMs, timeZone, params);
  const inWindow = input.hours
    .filter((h) => h.startMs >= window.dataFromMs && h.startMs < window.judgedToMs)
    .sort((a, b) => a.startMs - b.startMs);
  const { placements } = input;
  const classified = classifyHours(inWindow, timeZone, calendar, placements);
  const profileOf = (dayStartMs: number): BaselineProfile =>
    learnProfile(classified, daysBefore(dayStartMs, 7 * params.learningWeeks, timeZone), dayStartMs, params);
  const profiles = window.judgedDayStartsMs.map((startMs) => ({ startMs, profile: profileOf(startMs) }));
  const evaluationProfile = (profiles.at(-1) as { profile: BaselineProfile }).profile;

  const judged: JudgedHour[] = [];
  for (let k = 0; k < profiles.length; k++) {
    const { startMs, profile } = profiles[k] as { startMs: number; profile: BaselineProfile };
    const endMs = profiles[k + 1]?.startMs ?? window.judgedToMs;
    const usable = profile.learningDays >= params.minLearningDays ? profile : undefined;
    for (const h of hoursIn(classified, startMs, endMs, timeZone, calendar, placements))
      judged.push(judgeHour(h, usable));
  }
  const dates = [...new Set(judged.map((h) => h.date))];
  const offHours = dates.flatMap((date) => {
    const day = offHoursWaste(date, judged, params.workingHours, params.offHoursWaste);
    return day === undefined ? [] : [day];
  });
  const learningDays = evaluationProfile.learningDays;
  return {
    asOfMs,
    timeZone,
    window,
    profile: evaluationProfile,
    history:
      learningDays >= params.minLearningDays
        ? { status: 'ok', learningDays }
        : { status: 'insufficient_history', learningDays, neededDays: params.minLearningDays },
    judged,
    anomaly: trackAnomaly(judged, params.consecutiveHours),
    offHours,
    days: calendarDays(window.dataFromMs, window.judgedToMs, timeZone, calendar),
  };
}

/** Every local hour of [fromMs, toMs), measured or not: a missing hour is an unmeasured one and breaks runs. */
function hoursIn(
  classified: readonly ClassifiedHour[],
  fromMs: number,
  toMs: number,
  timeZone: string,
  calendar: WorkingCalendar,
  placements: HourPlacements | undefined,
): ClassifiedHour[] {
  const known = new Map(classified.filter((h) => h.startMs >= fromMs && h.startMs < toMs).map((h) => [h.startMs, h]));
  const all: HourlyConsumption[] = [];
  for (let t = fromMs; t < toMs; t = nextBucketStart(t, 'hour', timeZone)) {
    all.push(known.get(t) ?? { startMs: t, consumption: null });
  }
  return classifyHours(all, timeZone, calendar, placements);
}

function calendarDays(fromMs: number, toMs: number, timeZone: string, calendar: WorkingCalendar): CalendarDay[] {
  if (!(fromMs < toMs)) return [];
  // Dates step by calendar arithmetic (exact on dates); only the two ends need the zone.
  const last = localDate(toMs - 1, timeZone);
  const days: CalendarDay[] = [];
  for (let date = localDate(fromMs, timeZone); date <= last; date = nextDate(date)) days.push(calendar.dayOf(date));
  return days;
}

function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
