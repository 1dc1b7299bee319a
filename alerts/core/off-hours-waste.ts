import type { JudgedHour } from './baseline-anomaly.js';
import type { ClassifiedHour } from './baseline-profile.js';

/**
 * off_hours_waste (docs/alerts.md, "Off-hours waste"): in the off hours of a local day (outside the
 * working hours of a working day, all of a weekend or holiday), every hour above its band counts
 * its consumption above the band's median as waste: the median is what the building uses when it
 * is closed, the band keeps noise out. The day's waste raises the rule when it passes both the
 * absolute and the relative threshold.
 */

/** Working hours of a working day, in minutes after local midnight: [startMinute, endMinute). */
export interface WorkingHours {
  readonly startMinute: number;
  readonly endMinute: number;
}

export interface WasteThresholds {
  /** Waste of a day, meter unit. */
  readonly minPerDay: number;
  /** Waste as a share of the off hours' baseline (sum of their medians). */
  readonly minShare: number;
}

/** An hour is off unless it lies wholly in the working hours of a working day. */
export function isOffHour(hour: Pick<ClassifiedHour, 'working' | 'hour'>, workingHours: WorkingHours): boolean {
  if (!hour.working) return true;
  return hour.hour * 60 < workingHours.startMinute || (hour.hour + 1) * 60 > workingHours.endMinute;
}

export interface WastefulHour {
  readonly startMs: number;
  readonly consumption: number;
  readonly median: number;
  readonly upper: number;
  /** consumption − median. */
  readonly waste: number;
}

export interface OffHoursDay {
  readonly date: string;
  /** Off hours of the day that could be judged (so far, for the current day). */
  readonly judgedOffHours: number;
  readonly consumption: number;
  /** Sum of the judged off hours' medians. */
  readonly baseline: number;
  readonly waste: number;
  /** max(minPerDay, minShare · baseline). */
  readonly threshold: number;
  readonly verdict: 'raise' | 'clear';
  readonly wastefulHours: readonly WastefulHour[];
}

/** The off-hours waste of one local day from its judged hours; undefined when no off hour was judged. */
export function offHoursWaste(
  date: string,
  hours: readonly JudgedHour[],
  workingHours: WorkingHours,
  thresholds: WasteThresholds,
): OffHoursDay | undefined {
  let judged = 0;
  let consumption = 0;
  let baseline = 0;
  const wasteful: WastefulHour[] = [];
  for (const h of hours) {
    if (h.date !== date || h.position === 'unjudged' || !isOffHour(h, workingHours)) continue;
    const band = h.band;
    const value = h.consumption;
    if (band === undefined || value === null) continue;
    judged++;
    consumption += value;
    baseline += band.median;
    if (h.position === 'above') {
      wasteful.push({
        startMs: h.startMs,
        consumption: value,
        median: band.median,
        upper: band.upper,
        waste: value - band.median,
      });
    }
  }
  if (judged === 0) return undefined;
  const waste = wasteful.reduce((s, w) => s + w.waste, 0);
  const threshold = Math.max(thresholds.minPerDay, thresholds.minShare * baseline);
  return {
    date,
    judgedOffHours: judged,
    consumption,
    baseline,
    waste,
    threshold,
    verdict: waste > 0 && waste >= threshold ? 'raise' : 'clear',
    wastefulHours: wasteful,
  };
}
