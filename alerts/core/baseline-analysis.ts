import { bucketStart, DAY_MS, HOUR_MS, localDate, nextBucketStart } from '../../src/kernel/index.js';
import { judgeHour, trackAnomaly, type AnomalyState, type JudgedHour } from './baseline-anomaly.js';
import {
  classifyHours,
  compactProfile,
  expandProfile,
  learnProfile,
  type BandParams,
  type BaselineProfile,
  type ClassifiedHour,
  type CompactProfile,
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

/**
 * The calendar work that every meter of a zone repeats at one instant, done once for all of them: the window,
 * the local hours of each judged day and the window's days (pure functions of the instant, the zone, the
 * calendar and the parameters). A tick placed these per meter: ~15 % of the baselines' time at an evaluation
 * inside an hour (docs/alerts.md, "Evaluation cost", 2026-12-02 second pass). One grid serves one zone, one
 * calendar and one set of parameters, as HourPlacements does; each entry is keyed by what it depends on
 * besides those, so alternating instants or ranges only recompute.
 */
export interface ZoneGrid {
  window?: { readonly asOfMs: number; readonly window: BaselineWindow };
  days?: { readonly fromMs: number; readonly toMs: number; readonly days: readonly CalendarDay[] };
  /** Each range's local hour starts, by `fromMs|toMs`. */
  readonly hourStarts: Map<string, readonly number[]>;
}

/** Hour ranges kept per grid before it starts over (an evaluation asks one per judged day). */
const MAX_HOUR_RANGES = 64;

export function createZoneGrid(): ZoneGrid {
  return { hourStarts: new Map() };
}

function windowOf(asOfMs: number, timeZone: string, params: BaselineParams, grid: ZoneGrid | undefined) {
  if (grid?.window?.asOfMs === asOfMs) return grid.window.window;
  const window = baselineWindow(asOfMs, timeZone, params);
  if (grid !== undefined) grid.window = { asOfMs, window };
  return window;
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
  /** The zone's calendar work shared by its meters (see ZoneGrid). */
  readonly grid?: ZoneGrid;
}

export function analyseMeter(input: MeterAnalysisInput): MeterAnalysis {
  return analyseMeterWithMemo(input, undefined).analysis;
}

/**
 * What one meter's analysis keeps between evaluations (docs/alerts.md, "Evaluation cost"): the
 * hourly figures it was given, the profiles it learned (by judged day) and the analysis itself.
 * A profile is a pure function of the figures of its learning range (and the zone, calendar and
 * parameters, fixed for a memo's life), so it is reused exactly when those figures are what they
 * were: once a day per judged day, unless a late reading changed a learned hour. The analysis is
 * reused when the window and every figure in it are unchanged (the evaluations inside one hour).
 */
export interface MeterAnalysisMemo {
  readonly starts: Float64Array;
  /** The figure of each start; NaN where the hour was not measured in full. */
  readonly values: Float64Array;
  readonly profiles: ReadonlyMap<number, CompactProfile>;
  readonly analysis: MeterAnalysis;
}

/** `analyseMeter` reusing what `memo` (this meter's, from an earlier evaluation) still holds; the next memo. */
export function analyseMeterWithMemo(
  input: MeterAnalysisInput,
  previous: MeterAnalysisMemo | undefined,
): { readonly analysis: MeterAnalysis; readonly memo: MeterAnalysisMemo | undefined } {
  const { asOfMs, timeZone, calendar, params } = input;
  const window = windowOf(asOfMs, timeZone, params, input.grid);
  const inWindow = input.hours
    .filter((h) => h.startMs >= window.dataFromMs && h.startMs < window.judgedToMs)
    .sort((a, b) => a.startMs - b.startMs);
  const starts = Float64Array.from(inWindow, (h) => h.startMs);
  const values = Float64Array.from(inWindow, (h) => h.consumption ?? Number.NaN);
  // NaN stands for "not measured" in the memo: a figure that is NaN itself is neither reused nor kept.
  const exact = !inWindow.some((h) => h.consumption !== null && Number.isNaN(h.consumption));
  const memo = exact ? previous : undefined;
  if (
    memo !== undefined &&
    sameWindow(memo.analysis.window, window) &&
    sameFigures(memo, 0, memo.starts.length, starts, values, 0, starts.length)
  ) {
    const analysis = { ...memo.analysis, asOfMs };
    return { analysis, memo: { ...memo, analysis } };
  }

  const { placements } = input;
  let classified: ClassifiedHour[] | undefined;
  const profiles = new Map<number, CompactProfile>();
  const profileOf = (dayStartMs: number): BaselineProfile => {
    const fromMs = daysBefore(dayStartMs, 7 * params.learningWeeks, timeZone);
    const kept = memo?.profiles.get(dayStartMs);
    if (kept !== undefined && kept.fromMs === fromMs && kept.toMs === dayStartMs) {
      const [a, b] = [lowerBound(memo?.starts, fromMs), lowerBound(memo?.starts, dayStartMs)];
      const [c, d] = [lowerBound(starts, fromMs), lowerBound(starts, dayStartMs)];
      if (memo !== undefined && sameFigures(memo, a, b, starts, values, c, d)) {
        profiles.set(dayStartMs, kept);
        return expandProfile(kept, params);
      }
    }
    classified ??= classifyHours(inWindow, timeZone, calendar, placements);
    // Judged through its compact form, as a reused one is: one path for the bands whether learned now or kept.
    const compact = compactProfile(learnProfile(classified, fromMs, dayStartMs, params));
    profiles.set(dayStartMs, compact);
    return expandProfile(compact, params);
  };
  const analysis = judge(
    input,
    window,
    inWindow,
    window.judgedDayStartsMs.map((startMs) => ({ startMs, profile: profileOf(startMs) })),
  );
  return { analysis, memo: exact ? { starts, values, profiles, analysis } : undefined };
}

function judge(
  input: MeterAnalysisInput,
  window: BaselineWindow,
  inWindow: readonly HourlyConsumption[],
  profiles: readonly { readonly startMs: number; readonly profile: BaselineProfile }[],
): MeterAnalysis {
  const { asOfMs, timeZone, calendar, params, placements, grid } = input;
  const evaluationProfile = (profiles.at(-1) as { profile: BaselineProfile }).profile;
  const judged: JudgedHour[] = [];
  for (let k = 0; k < profiles.length; k++) {
    const { startMs, profile } = profiles[k] as { startMs: number; profile: BaselineProfile };
    const endMs = profiles[k + 1]?.startMs ?? window.judgedToMs;
    const usable = profile.learningDays >= params.minLearningDays ? profile : undefined;
    for (const h of hoursIn(inWindow, startMs, endMs, timeZone, calendar, placements, grid))
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
    days: calendarDays(window.dataFromMs, window.judgedToMs, timeZone, calendar, grid),
  };
}

function sameWindow(a: BaselineWindow, b: BaselineWindow): boolean {
  return (
    a.dataFromMs === b.dataFromMs &&
    a.judgedFromMs === b.judgedFromMs &&
    a.judgedToMs === b.judgedToMs &&
    a.judgedDayStartsMs.length === b.judgedDayStartsMs.length &&
    a.judgedDayStartsMs.every((t, i) => t === b.judgedDayStartsMs[i])
  );
}

/** The first index whose start is at or after `t` (starts ascending). */
function lowerBound(starts: Float64Array | undefined, t: number): number {
  if (starts === undefined) return 0;
  let [lo, hi] = [0, starts.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether the memo's hours [a, b) and the given hours [c, d) are the same hours with the same figures. */
function sameFigures(
  memo: MeterAnalysisMemo,
  a: number,
  b: number,
  starts: Float64Array,
  values: Float64Array,
  c: number,
  d: number,
): boolean {
  if (b - a !== d - c) return false;
  for (let i = 0; i < b - a; i++) {
    if (memo.starts[a + i] !== starts[c + i]) return false;
    // Object.is: NaN (an hour not measured in full) equals NaN; 0 and −0 are told apart as the engine's are.
    if (!Object.is(memo.values[a + i], values[c + i])) return false;
  }
  return true;
}

/** Every local hour of [fromMs, toMs), measured or not: a missing hour is an unmeasured one and breaks runs. */
function hoursIn(
  hours: readonly HourlyConsumption[],
  fromMs: number,
  toMs: number,
  timeZone: string,
  calendar: WorkingCalendar,
  placements: HourPlacements | undefined,
  grid: ZoneGrid | undefined,
): ClassifiedHour[] {
  const known = new Map(hours.filter((h) => h.startMs >= fromMs && h.startMs < toMs).map((h) => [h.startMs, h]));
  const all: HourlyConsumption[] = [];
  for (const t of hourStarts(fromMs, toMs, timeZone, grid)) all.push(known.get(t) ?? { startMs: t, consumption: null });
  return classifyHours(all, timeZone, calendar, placements);
}

function hourStarts(fromMs: number, toMs: number, timeZone: string, grid: ZoneGrid | undefined): readonly number[] {
  const key = `${fromMs}|${toMs}`;
  const kept = grid?.hourStarts.get(key);
  if (kept !== undefined) return kept;
  const starts: number[] = [];
  for (let t = fromMs; t < toMs; t = nextBucketStart(t, 'hour', timeZone)) starts.push(t);
  if (grid !== undefined) {
    if (grid.hourStarts.size >= MAX_HOUR_RANGES) grid.hourStarts.clear();
    grid.hourStarts.set(key, starts);
  }
  return starts;
}

function calendarDays(
  fromMs: number,
  toMs: number,
  timeZone: string,
  calendar: WorkingCalendar,
  grid?: ZoneGrid,
): readonly CalendarDay[] {
  if (!(fromMs < toMs)) return [];
  const kept = grid?.days;
  if (kept !== undefined && kept.fromMs === fromMs && kept.toMs === toMs) return kept.days;
  // Dates step by calendar arithmetic (exact on dates); only the two ends need the zone.
  const last = localDate(toMs - 1, timeZone);
  const days: CalendarDay[] = [];
  for (let date = localDate(fromMs, timeZone); date <= last; date = nextDate(date)) days.push(calendar.dayOf(date));
  if (grid !== undefined) grid.days = { fromMs, toMs, days };
  return days;
}

function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
