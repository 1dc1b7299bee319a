import { describe, expect, it } from 'vitest';
import { HOUR_MS, localParts, parseIsoInstant } from '../../src/kernel/index.js';
import {
  analyseMeter,
  analyseMeterWithMemo,
  baselineWindow,
  createZoneGrid,
  type BaselineParams,
  type MeterAnalysis,
  type MeterAnalysisMemo,
} from './baseline-analysis.js';
import { baselineFindings } from './baseline-findings.js';
import type { HourlyConsumption } from './baseline-profile.js';
import { createWorkingCalendar, type WorkingCalendar } from './working-calendar.js';

const TZ = 'Asia/Shanghai';
const params: BaselineParams = {
  learningWeeks: 4,
  minLearningDays: 7,
  minSamples: 3,
  bandK: 3,
  bandFloorShare: 0.1,
  bandFloorAbsolute: 0.5,
  consecutiveHours: 3,
  lookbackDays: 2,
  workingHours: { startMinute: 8 * 60, endMinute: 18 * 60 },
  offHoursWaste: { minPerDay: 10, minShare: 0.2 },
};
const at = (iso: string): number => parseIsoInstant(iso) as number;
const cn = createWorkingCalendar({});
const weekdays = createWorkingCalendar({ source: 'weekdays' });

/**
 * An office that follows the official calendar: 20 kWh/h in the working hours of a working day
 * (make-up days included), 5 kWh/h otherwise (nights, weekends, holidays), with a little noise.
 */
function office(fromIso: string, toIso: string, extra: (startMs: number) => number = () => 0): HourlyConsumption[] {
  const hours: HourlyConsumption[] = [];
  for (let t = at(fromIso); t < at(toIso); t += HOUR_MS) {
    const p = localParts(t, TZ);
    const open = cn.dayOf(p.dateKey).working && p.hour >= 8 && p.hour < 18;
    const noise = 0.3 * Math.sin(t / HOUR_MS);
    hours.push({ startMs: t, consumption: (open ? 20 : 5) + noise + extra(t) });
  }
  return hours;
}

function rulesOverHolidays(calendar: WorkingCalendar, hours: readonly HourlyConsumption[]) {
  const raised = new Map<string, string[]>();
  // Every K hours: an episode stays raised for at least K hours (K outside, then K inside to clear).
  const stepMs = params.consecutiveHours * HOUR_MS;
  for (let asOfMs = at('2026-09-28T00:30:00+08:00'); asOfMs < at('2026-10-13T00:30:00+08:00'); asOfMs += stepMs) {
    const analysis = analyseMeter({ hours, asOfMs, timeZone: TZ, calendar, params });
    expect(analysis.history.status).toBe('ok');
    const meter = { id: 'gov-e', unit: 'kWh' };
    for (const f of baselineFindings(meter, analysis, () => ({ factorId: 'grid', kgCo2PerUnit: 0.5 }), 3)) {
      if (f.verdict === 'raise') raised.set(f.rule, [...new Set([...(raised.get(f.rule) ?? []), f.window])]);
    }
  }
  return raised;
}

describe('the baseline through the 2026 National Day holiday (issue 8, "Done when")', () => {
  const hours = office('2026-08-20T00:00:00+08:00', '2026-10-14T00:00:00+08:00');

  it('raises nothing when the calendar explains the holidays and the make-up working days', () => {
    expect(rulesOverHolidays(cn, hours)).toEqual(new Map());
  }, 120_000);

  it('would raise on them with a plain Monday–Friday calendar', () => {
    const raised = rulesOverHolidays(weekdays, hours);
    // Low on the weekday holidays (1, 2, 5, 6, 7 October), high on the make-up Saturday (10 October).
    expect(raised.get('baseline_anomaly')).toEqual(expect.arrayContaining(['2026-10-01', '2026-10-10']));
    expect(raised.get('off_hours_waste')).toEqual(['2026-10-10']);
  }, 120_000);
});

describe('analyseMeter', () => {
  it('reads the N weeks before the first judged day and judges up to the last whole hour', () => {
    const window = baselineWindow(at('2026-10-12T10:20:00+08:00'), TZ, params);
    expect(window.judgedFromMs).toBe(at('2026-10-10T00:00:00+08:00'));
    expect(window.dataFromMs).toBe(at('2026-09-12T00:00:00+08:00'));
    expect(window.judgedToMs).toBe(at('2026-10-12T10:00:00+08:00'));
    expect(window.judgedDayStartsMs).toHaveLength(3);
  });

  it('raises an anomaly and the off-hours waste of a night the lights stayed on, with CO2', () => {
    // Tuesday 13 October 2026, 19:00–23:00: 30 kWh/h more than usual.
    const spike = (t: number) => (t >= at('2026-10-13T19:00:00+08:00') && t < at('2026-10-13T23:00:00+08:00') ? 30 : 0);
    const hours = office('2026-08-20T00:00:00+08:00', '2026-10-15T00:00:00+08:00', spike);
    const asOfMs = at('2026-10-13T23:10:00+08:00');
    const analysis = analyseMeter({ hours, asOfMs, timeZone: TZ, calendar: cn, params });
    const findings = baselineFindings(
      { id: 'gov-e', unit: 'kWh' },
      analysis,
      () => ({ factorId: 'g', kgCo2PerUnit: 0.5 }),
      3,
    );
    const anomaly = findings.find((f) => f.rule === 'baseline_anomaly');
    expect(anomaly).toMatchObject({
      verdict: 'raise',
      window: '2026-10-13',
      sinceMs: at('2026-10-13T19:00:00+08:00'),
      measured: { unit: 'kWh' },
    });
    expect(anomaly?.summary.en).toContain('gov-e');
    expect(anomaly?.summary.zh).toContain('基线');
    const waste = findings.find((f) => f.rule === 'off_hours_waste' && f.window === '2026-10-13');
    expect(waste?.verdict).toBe('raise');
    expect(waste?.details['wasteAmount']).toBeCloseTo(120, -1);
    expect(waste?.details['co2Kg']).toBeCloseTo(60, -1);
    expect(waste?.details['co2FactorId']).toBe('g');

    // Three hours back inside clear it, in the window of the day it began.
    const later = analyseMeter({ hours, asOfMs: at('2026-10-14T02:10:00+08:00'), timeZone: TZ, calendar: cn, params });
    const cleared = baselineFindings({ id: 'gov-e', unit: 'kWh' }, later, () => ({ unavailable: 'none' }), 3);
    expect(cleared.find((f) => f.rule === 'baseline_anomaly')).toMatchObject({
      verdict: 'clear',
      window: '2026-10-13',
    });
  });

  it('lets a calendar override explain a local closure', () => {
    // Monday 12 October 2026: the county's offices closed (5 kWh/h all day); the package calls it a working day.
    const closed = (t: number) => {
      const p = localParts(t, TZ);
      return p.dateKey === '2026-10-12' && p.hour >= 8 && p.hour < 18 ? -15 : 0;
    };
    const hours = office('2026-08-20T00:00:00+08:00', '2026-10-14T00:00:00+08:00', closed);
    const asOfMs = at('2026-10-12T20:10:00+08:00');
    const verdict = (calendar: WorkingCalendar) =>
      baselineFindings(
        { id: 'gov-e', unit: 'kWh' },
        analyseMeter({ hours, asOfMs, timeZone: TZ, calendar, params }),
        () => ({ unavailable: 'none' }),
        3,
      ).find((f) => f.rule === 'baseline_anomaly')?.verdict;
    expect(verdict(cn)).toBe('raise');
    const overridden = createWorkingCalendar({
      overrides: [{ date: '2026-10-12', kind: 'public_holiday', note: 'county closure' }],
    });
    expect(verdict(overridden)).toBe('clear');
  });

  it('gives no finding with too little history, and says so', () => {
    const hours = office('2026-10-08T00:00:00+08:00', '2026-10-14T00:00:00+08:00');
    const analysis = analyseMeter({
      hours,
      asOfMs: at('2026-10-13T12:00:00+08:00'),
      timeZone: TZ,
      calendar: cn,
      params,
    });
    expect(analysis.history).toEqual({ status: 'insufficient_history', learningDays: 5, neededDays: 7 });
    expect(baselineFindings({ id: 'gov-e', unit: 'kWh' }, analysis, () => ({ unavailable: 'x' }), 3)).toEqual([]);
  });
});

describe('analyseMeterWithMemo (docs/alerts.md, "Evaluation cost")', () => {
  /** An analysis as data: its profile's bands instead of its lookup function. */
  const plain = (a: MeterAnalysis) => {
    const { fromMs, toMs, learningDays, bands } = a.profile;
    return { ...a, profile: { fromMs, toMs, learningDays, bands } };
  };
  // A lit night on 13 October, evaluated every 15 minutes from the evening of the 12th to the morning of the 14th.
  const spike = (t: number) => (t >= at('2026-10-13T19:00:00+08:00') && t < at('2026-10-13T23:00:00+08:00') ? 30 : 0);
  const base = office('2026-08-20T00:00:00+08:00', '2026-10-15T00:00:00+08:00', spike);
  const LATE_MS = at('2026-10-14T01:00:00+08:00');
  /** A late reading changes one learned hour (Tuesday 6 October, 03:00) from LATE_MS on. */
  const hoursAt = (asOfMs: number): HourlyConsumption[] =>
    asOfMs < LATE_MS
      ? base
      : base.map((h) => (h.startMs === at('2026-10-06T03:00:00+08:00') ? { ...h, consumption: 9 } : h));

  it('gives at every evaluation exactly the analysis computed afresh, reusing profiles until a learned hour changes', () => {
    let memo: MeterAnalysisMemo | undefined;
    const kept: { asOfMs: number; profiles: MeterAnalysisMemo['profiles']; judged: unknown }[] = [];
    for (
      let asOfMs = at('2026-10-12T20:05:00+08:00');
      asOfMs < at('2026-10-14T03:00:00+08:00');
      asOfMs += 15 * 60_000
    ) {
      const input = { hours: hoursAt(asOfMs), asOfMs, timeZone: TZ, calendar: cn, params };
      const next = analyseMeterWithMemo(input, memo);
      expect(plain(next.analysis)).toEqual(plain(analyseMeter(input)));
      memo = next.memo;
      if (memo === undefined) throw new Error('a memo is kept for measured figures');
      kept.push({ asOfMs, profiles: memo.profiles, judged: memo.analysis.judged });
    }
    const byIso = (iso: string) => kept.find((k) => k.asOfMs === at(iso)) as (typeof kept)[number];
    const day = (iso: string) => at(iso);
    // Within an hour the figures are unchanged: the analysis itself is reused.
    expect(byIso('2026-10-13T10:35:00+08:00').judged).toBe(byIso('2026-10-13T10:20:00+08:00').judged);
    // A new hour judges again, against the profiles learned at the day's first evaluation.
    const [a, b] = [byIso('2026-10-13T00:05:00+08:00'), byIso('2026-10-13T23:50:00+08:00')];
    expect(b.judged).not.toBe(a.judged);
    for (const d of ['2026-10-11', '2026-10-12', '2026-10-13'])
      expect(b.profiles.get(day(`${d}T00:00:00+08:00`))).toBe(a.profiles.get(day(`${d}T00:00:00+08:00`)));
    // The day before's profiles carry over into the next day; the late reading relearns what it touched.
    const [c, d] = [byIso('2026-10-14T00:50:00+08:00'), byIso('2026-10-14T01:05:00+08:00')];
    expect(c.profiles.get(day('2026-10-13T00:00:00+08:00'))).toBe(b.profiles.get(day('2026-10-13T00:00:00+08:00')));
    expect(d.profiles.get(day('2026-10-13T00:00:00+08:00'))).not.toBe(c.profiles.get(day('2026-10-13T00:00:00+08:00')));
    expect(d.profiles.get(day('2026-10-14T00:00:00+08:00'))).not.toBe(c.profiles.get(day('2026-10-14T00:00:00+08:00')));
  }, 120_000);

  it('relearns nothing from a memo whose figures differ, and keeps none for a figure that is NaN', () => {
    const asOfMs = at('2026-10-13T23:10:00+08:00');
    const input = { hours: base, asOfMs, timeZone: TZ, calendar: cn, params };
    const first = analyseMeterWithMemo(input, undefined);
    const shifted = base.map((h) => ({ ...h, consumption: (h.consumption ?? 0) + 1 }));
    const other = { ...input, hours: shifted };
    expect(plain(analyseMeterWithMemo(other, first.memo).analysis)).toEqual(plain(analyseMeter(other)));
    const withNaN = {
      ...input,
      hours: base.map((h) => (h.startMs === at('2026-10-06T03:00:00+08:00') ? { ...h, consumption: Number.NaN } : h)),
    };
    expect(analyseMeterWithMemo(withNaN, first.memo).memo).toBeUndefined();
  });
});

describe('a zone grid shared by the meters of a zone (docs/alerts.md, "Evaluation cost")', () => {
  it('gives the analysis computed without one, at instants that alternate across a DST change', () => {
    const zone = 'Europe/Berlin';
    const hours = (level: number): HourlyConsumption[] => {
      const out: HourlyConsumption[] = [];
      for (let t = at('2026-09-10T00:00:00Z'); t < at('2026-10-28T00:00:00Z'); t += HOUR_MS) {
        const p = localParts(t, zone);
        out.push({ startMs: t, consumption: (p.hour >= 8 && p.hour < 18 ? 4 * level : level) + 0.1 * Math.sin(t) });
      }
      return out;
    };
    /** An analysis as data: its profile's bands instead of its lookup function. */
    const asData = (a: MeterAnalysis) => {
      const { fromMs, toMs, learningDays, bands } = a.profile;
      return { ...a, profile: { fromMs, toMs, learningDays, bands } };
    };
    const meters = [hours(1), hours(3)];
    const grid = createZoneGrid();
    const placements = new Map();
    // Back and forth: a new window, the same window, the DST day itself (25 hours), an earlier instant again.
    const instants = [
      '2026-10-26T10:20:00+01:00',
      '2026-10-24T09:10:00+02:00',
      '2026-10-24T09:40:00+02:00',
      '2026-10-25T02:30:00+01:00',
      '2026-10-26T10:20:00+01:00',
      '2026-10-27T00:05:00+01:00',
      '2026-10-24T09:10:00+02:00',
    ].map(at);
    for (const asOfMs of instants) {
      for (const h of meters) {
        const shared = analyseMeter({ hours: h, asOfMs, timeZone: zone, calendar: weekdays, params, placements, grid });
        const alone = analyseMeter({ hours: h, asOfMs, timeZone: zone, calendar: weekdays, params });
        expect(asData(shared), new Date(asOfMs).toISOString()).toEqual(asData(alone));
      }
    }
    const dstDay = analyseMeter({
      hours: meters[0] ?? [],
      asOfMs: instants[5] as number,
      timeZone: zone,
      calendar: weekdays,
      params,
      grid,
    });
    expect(dstDay.judged.filter((h) => h.date === '2026-10-25')).toHaveLength(25);
  });
});
