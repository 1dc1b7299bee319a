import { describe, expect, it } from 'vitest';
import { HOUR_MS, parseIsoInstant } from '../../src/kernel/index.js';
import {
  bandOf,
  classifyHours,
  compactProfile,
  expandProfile,
  learnProfile,
  type ClassifiedHour,
} from './baseline-profile.js';
import { createWorkingCalendar } from './working-calendar.js';

const params = { bandK: 3, bandFloorShare: 0.1, bandFloorAbsolute: 0.5, minSamples: 3 };

const hour = (over: Partial<ClassifiedHour>): ClassifiedHour => ({
  startMs: 0,
  consumption: 10,
  date: '2026-09-07',
  weekday: 1,
  hour: 9,
  dayKind: 'working_day',
  working: true,
  ...over,
});

describe('bandOf', () => {
  it('is median ± k · 1.4826 · MAD', () => {
    // median 10, deviations 2,1,0,1,2 → MAD 1
    const band = bandOf('working_hour', null, 9, [8, 9, 10, 11, 12], params);
    expect(band.median).toBe(10);
    expect(band.mad).toBe(1);
    expect(band.halfWidth).toBeCloseTo(3 * 1.4826, 10);
    expect(band.upper).toBeCloseTo(10 + 4.4478, 10);
    expect(band.key).toBe('working_hour:09');
  });

  it('gives the worked example of docs/alerts.md', () => {
    const band = bandOf('hour_of_week', 1, 9, [20.1, 19.6, 20.4, 21.0], params);
    expect(band.median).toBeCloseTo(20.25, 10);
    expect(band.mad).toBeCloseTo(0.4, 10);
    // 3 · 1.4826 · 0.4 = 1.78 < 10 % of 20.25: the share floor sets the width.
    expect(band.lower).toBeCloseTo(18.225, 10);
    expect(band.upper).toBeCloseTo(22.275, 10);
  });

  it('has a floor: a flat profile (MAD 0) gets 10 % of its median, at least the absolute floor', () => {
    expect(bandOf('working_hour', null, 9, [20, 20, 20], params)).toMatchObject({ mad: 0, lower: 18, upper: 22 });
    expect(bandOf('non_working_hour', null, 3, [0, 0, 0], params)).toMatchObject({ lower: 0, upper: 0.5 });
  });
});

describe('learnProfile', () => {
  // Three Mondays at 09:00 (10, 11, 12), two other working days at 09:00 (30, 30), three weekend hours.
  const history: ClassifiedHour[] = [
    hour({ startMs: 1, date: '2026-09-07', consumption: 10 }),
    hour({ startMs: 2, date: '2026-09-14', consumption: 11 }),
    hour({ startMs: 3, date: '2026-09-21', consumption: 12 }),
    hour({ startMs: 4, date: '2026-09-08', weekday: 2, consumption: 30 }),
    hour({ startMs: 5, date: '2026-09-09', weekday: 3, consumption: 30 }),
    hour({ startMs: 6, date: '2026-09-12', weekday: 6, dayKind: 'weekend', working: false, consumption: 2 }),
    hour({ startMs: 7, date: '2026-09-13', weekday: 0, dayKind: 'weekend', working: false, consumption: 2 }),
    hour({ startMs: 8, date: '2026-10-01', weekday: 4, dayKind: 'public_holiday', working: false, consumption: 2 }),
    hour({ startMs: 9, date: '2026-09-15', weekday: 2, consumption: null }),
  ];
  const profile = learnProfile(history, 0, 100, params);

  it('keys working hours by hour of week where samples suffice, else by hour of working day', () => {
    expect(profile.bandFor({ working: true, weekday: 1, hour: 9 })?.key).toBe('hour_of_week:1:09');
    expect(profile.bandFor({ working: true, weekday: 1, hour: 9 })?.median).toBe(11);
    // Tuesday has 1 sample of its own (the unmeasured hour does not count): the working-day hour.
    expect(profile.bandFor({ working: true, weekday: 2, hour: 9 })?.key).toBe('working_hour:09');
    // A make-up Saturday has no hour of week: judged as a working day.
    expect(profile.bandFor({ working: true, weekday: 6, hour: 9 })).toMatchObject({
      key: 'working_hour:09',
      median: 12,
    });
  });

  it('pools weekends and holidays into one non-working shape', () => {
    expect(profile.bandFor({ working: false, weekday: 4, hour: 9 })).toMatchObject({
      key: 'non_working_hour:09',
      samples: 3,
      median: 2,
    });
    expect(profile.bandFor({ working: false, weekday: 4, hour: 10 })).toBeUndefined();
    expect(profile.learningDays).toBe(8);
  });

  it('learns only from its range', () => {
    expect(learnProfile(history, 4, 100, params).bandFor({ working: true, weekday: 1, hour: 9 })).toBeUndefined();
  });

  it('keeps its bands in compact form: expanded, every band and every lookup is the learned one', () => {
    const expanded = expandProfile(compactProfile(profile), params);
    for (const hour of [9, 10]) {
      for (const weekday of [0, 1, 2, 6]) {
        for (const working of [true, false])
          expect(expanded.bandFor({ working, weekday, hour })).toEqual(profile.bandFor({ working, weekday, hour }));
      }
    }
    expect(expanded.bands).toEqual(profile.bands);
    expect(expanded.bands.map((b) => b.key)).toEqual(['hour_of_week:1:09', 'working_hour:09', 'non_working_hour:09']);
    expect([expanded.fromMs, expanded.toMs, expanded.learningDays]).toEqual([0, 100, 8]);
  });
});

describe('classifyHours', () => {
  const calendar = createWorkingCalendar({});
  const series = (fromIso: string, count: number) =>
    Array.from({ length: count }, (_, k) => ({
      startMs: (parseIsoInstant(fromIso) as number) + k * HOUR_MS,
      consumption: 1,
    }));

  it('places hours in local days and the calendar', () => {
    const hours = classifyHours(series('2026-09-30T22:00:00+08:00', 4), 'Asia/Shanghai', calendar);
    expect(hours.map((h) => [h.date, h.hour, h.dayKind])).toEqual([
      ['2026-09-30', 22, 'working_day'],
      ['2026-09-30', 23, 'working_day'],
      ['2026-10-01', 0, 'public_holiday'],
      ['2026-10-01', 1, 'public_holiday'],
    ]);
    expect(hours[2]?.weekday).toBe(4);
  });

  it('places the hours of a 23-hour day by their wall clock', () => {
    // Berlin, 29 March 2026: 02:00 does not exist.
    const hours = classifyHours(series('2026-03-29T00:00:00+01:00', 4), 'Europe/Berlin', calendar);
    expect(hours.map((h) => [h.date, h.hour])).toEqual([
      ['2026-03-29', 0],
      ['2026-03-29', 1],
      ['2026-03-29', 3],
      ['2026-03-29', 4],
    ]);
    const after = classifyHours(series('2026-03-30T00:00:00+02:00', 2), 'Europe/Berlin', calendar);
    expect(after.map((h) => h.hour)).toEqual([0, 1]);
  });

  it('places the same way with shared placements, whichever meter placed an hour first', () => {
    // Three days around Berlin's spring change and Shanghai's National Day: one meter's hours, another's
    // with gaps and a different consumption, asked in both orders against one set of placements.
    for (const [zone, fromIso] of [
      ['Europe/Berlin', '2026-03-28T00:00:00+01:00'],
      ['Asia/Shanghai', '2026-09-30T00:00:00+08:00'],
    ] as const) {
      const all = series(fromIso, 72);
      const sparse = all.filter((_, k) => k % 5 !== 0).map((h) => ({ ...h, consumption: null }));
      const alone = [classifyHours(all, zone, calendar), classifyHours(sparse, zone, calendar)];
      const placements = new Map();
      expect([
        classifyHours(sparse, zone, calendar, placements),
        classifyHours(all, zone, calendar, placements),
      ]).toEqual([alone[1], alone[0]]);
      expect(placements.size).toBe(72);
      expect(classifyHours(all, zone, calendar, placements)).toEqual(alone[0]);
    }
  });
});
