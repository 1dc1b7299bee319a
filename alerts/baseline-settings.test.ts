import { describe, expect, it } from 'vitest';
import { alertSettingsSchema } from './alert-settings.js';
import { baselineSettingsSchema } from './settings/baseline-settings.js';

describe('alerts.baseline settings', () => {
  it('has a default for everything: a configuration without alerts: loads', () => {
    expect(alertSettingsSchema.parse({}).baseline).toMatchObject({
      learningWeeks: 4,
      bandK: 3,
      consecutiveHours: 3,
      workingHours: { start: '08:00', end: '18:00' },
      offHoursWaste: { minPerDay: 10, minShare: 0.2 },
      calendar: 'cn',
      calendarOverrides: [],
    });
  });

  it('refuses impossible dates, clock times and unknown day kinds, naming the key', () => {
    const result = baselineSettingsSchema.safeParse({
      workingHours: { start: '18:00', end: '08:00' },
      calendarOverrides: [
        { date: '2026-02-30', kind: 'public_holiday' },
        { date: '2026-11-16', kind: 'public_holiday' },
        { date: '2026-11-16', kind: 'working_day' },
        { date: '2026-11-17', kind: 'closed' },
      ],
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['calendarOverrides.0.date', 'calendarOverrides.3.kind', 'workingHours']);
    expect(baselineSettingsSchema.safeParse({ workingHours: { start: '8:00' } }).success).toBe(false);
  });

  it('reports a duplicate override', () => {
    const result = baselineSettingsSchema.safeParse({
      calendarOverrides: [
        { date: '2026-11-16', kind: 'public_holiday' },
        { date: '2026-11-16', kind: 'working_day' },
      ],
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['calendarOverrides.1.date']);
  });
});
