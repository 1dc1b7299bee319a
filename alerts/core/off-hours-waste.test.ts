import { describe, expect, it } from 'vitest';
import { judgeHour } from './baseline-anomaly.js';
import { learnProfile, type ClassifiedHour } from './baseline-profile.js';
import { isOffHour, offHoursWaste } from './off-hours-waste.js';

const workingHours = { startMinute: 8 * 60, endMinute: 18 * 60 };

describe('isOffHour', () => {
  it('is every hour of a non-working day and the hours outside the working hours of a working day', () => {
    expect(isOffHour({ working: true, hour: 7 }, workingHours)).toBe(true);
    expect(isOffHour({ working: true, hour: 8 }, workingHours)).toBe(false);
    expect(isOffHour({ working: true, hour: 17 }, workingHours)).toBe(false);
    expect(isOffHour({ working: true, hour: 18 }, workingHours)).toBe(true);
    expect(isOffHour({ working: false, hour: 12 }, workingHours)).toBe(true);
    // 08:30–17:30: the hours 08 and 17 are only partly worked, so they are off hours.
    expect(isOffHour({ working: true, hour: 8 }, { startMinute: 510, endMinute: 1050 })).toBe(true);
  });
});

describe('offHoursWaste', () => {
  const params = { bandK: 3, bandFloorShare: 0.1, bandFloorAbsolute: 0.5, minSamples: 3 };
  const night = (date: string, hour: number, consumption: number | null, startMs: number): ClassifiedHour => ({
    startMs,
    consumption,
    date,
    weekday: 2,
    hour,
    dayKind: 'working_day',
    working: true,
  });
  // Nights at 5 kWh/h for three weeks: the off-hours median is 5, the band 4.5–5.5.
  const history = ['2026-09-08', '2026-09-15', '2026-09-22'].flatMap((date, d) =>
    [20, 21, 22].map((h) => night(date, h, 5, d * 100 + h)),
  );
  const profile = learnProfile(history, 0, 1_000, params);

  it('counts the consumption above the median of the off hours above their band', () => {
    const day = [
      night('2026-09-29', 20, 25, 2000),
      night('2026-09-29', 21, 5.2, 2001),
      night('2026-09-29', 22, 12, 2002),
    ];
    const result = offHoursWaste(
      '2026-09-29',
      day.map((h) => judgeHour(h, profile)),
      workingHours,
      {
        minPerDay: 10,
        minShare: 0.2,
      },
    );
    // (25 − 5) + (12 − 5); the 5.2 hour is inside its band: noise, not waste.
    expect(result).toMatchObject({ waste: 27, baseline: 15, threshold: 10, verdict: 'raise', judgedOffHours: 3 });
    expect(result?.wastefulHours.map((w) => w.waste)).toEqual([20, 7]);
  });

  it('needs both thresholds', () => {
    const day = [night('2026-09-29', 20, 12, 2000)];
    const judged = day.map((h) => judgeHour(h, profile));
    expect(offHoursWaste('2026-09-29', judged, workingHours, { minPerDay: 10, minShare: 0 })?.verdict).toBe('clear');
    expect(offHoursWaste('2026-09-29', judged, workingHours, { minPerDay: 5, minShare: 0 })?.verdict).toBe('raise');
    expect(offHoursWaste('2026-09-29', judged, workingHours, { minPerDay: 5, minShare: 2 })?.verdict).toBe('clear');
  });

  it('has nothing to say for a day without a judged off hour', () => {
    const judged = [judgeHour(night('2026-09-29', 20, null, 2000), profile)];
    expect(offHoursWaste('2026-09-29', judged, workingHours, { minPerDay: 1, minShare: 0 })).toBeUndefined();
  });
});
