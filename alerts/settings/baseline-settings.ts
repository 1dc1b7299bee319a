import { z } from 'zod';
import { CALENDAR_SOURCES, DAY_KINDS, weekdayOf } from '../core/working-calendar.js';

const clock = z
  .string()
  .regex(/^([01]\d|2[0-4]):[0-5]\d$/, { error: 'a local time HH:MM, e.g. 08:00' })
  .refine((t) => t <= '24:00', { error: 'a local time from 00:00 to 24:00' });

const overrideSchema = z.strictObject({
  date: z.string().refine((d) => weekdayOf(d) !== undefined, { error: 'a calendar date YYYY-MM-DD' }),
  kind: z.enum(DAY_KINDS),
  note: z.string().optional(),
});

/**
 * The `alerts.baseline` settings (docs/alerts.md, "Baselines"): every value has a default, so a
 * configuration without `alerts:` loads. Consumption figures are in the meter's own unit per hour.
 */
export const baselineSettingsSchema = z
  .strictObject({
    /** Weeks of hourly consumption the profile is learned from (the N weeks before the judged day). */
    learningWeeks: z.number().int().min(1).max(8).default(4),
    /** Local days of learning with measured hours a meter needs before it is judged at all. */
    minLearningDays: z.number().int().min(1).default(7),
    /** Samples a profile key needs to give a band (hour-of-week falls back to hour-of-working-day below it). */
    minSamples: z.number().int().min(2).default(3),
    /** Band = median ± k · 1.4826 · MAD (1.4826 · MAD estimates σ for normal noise). */
    bandK: z.number().positive().default(3),
    /** The band's half-width is at least this share of the median … */
    bandFloorShare: z.number().nonnegative().default(0.1),
    /** … and at least this much (meter unit per hour): a flat profile (MAD 0) does not fire on noise. */
    bandFloorAbsolute: z.number().nonnegative().default(0.5),
    /** baseline_anomaly: raised after this many consecutive hours outside the band, cleared after as many inside. */
    consecutiveHours: z.number().int().min(1).default(3),
    /** How many local days before the evaluation day an anomaly's start is looked for. */
    lookbackDays: z.number().int().min(1).max(7).default(2),
    /** Working hours of a working day; the rest of it, and all of a non-working day, is off hours. */
    workingHours: z
      .strictObject({ start: clock.default('08:00'), end: clock.default('18:00') })
      .refine((w) => w.start < w.end, { error: 'workingHours.start must be before workingHours.end' })
      .prefault({}),
    /** off_hours_waste is raised when a day's waste passes both thresholds. */
    offHoursWaste: z
      .strictObject({
        /** Wasted amount of a local day, meter unit. */
        minPerDay: z.number().nonnegative().default(10),
        /** Waste as a share of the off-hours baseline of that day. */
        minShare: z.number().nonnegative().default(0.2),
      })
      .prefault({}),
    /** `cn`: China's holidays and make-up working days (chinese-days); `weekdays`: Monday–Friday. */
    calendar: z.enum(CALENDAR_SOURCES).default('cn'),
    /** Local days whose kind differs from the calendar: a local holiday, a closure, a worked day. */
    calendarOverrides: z.array(overrideSchema).default([]),
  })
  .superRefine((s, ctx) => {
    const seen = new Map<string, number>();
    s.calendarOverrides.forEach((o, i) => {
      const first = seen.get(o.date);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['calendarOverrides', i, 'date'],
          message: `duplicate override for ${o.date} (first at calendarOverrides[${first}])`,
        });
      else seen.set(o.date, i);
    });
  });

export type BaselineSettings = z.infer<typeof baselineSettingsSchema>;
