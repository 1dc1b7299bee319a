import { HOUR_MS } from '../../src/kernel/index.js';
import type { RuleFinding } from './alert-types.js';
import { episodeWindow, figure, meterFinding, NO_EPISODE } from './meter-health-episodes.js';

/** A run of consecutive readings with one register value: [startMs, endMs] are its first and last reading. */
export interface FlatRun {
  readonly startMs: number;
  readonly endMs: number;
  readonly value: number;
  readonly readings: number;
}

/**
 * The runs of equal register values in a meter's readings (any order; of several
 * values at one instant the highest counts, as the accounting engine books it).
 * Only readings before asOf belong in the input.
 */
export function flatRuns(readings: readonly { readonly tsMs: number; readonly value: number }[]): FlatRun[] {
  const byTs = new Map<number, number>();
  for (const r of readings) byTs.set(r.tsMs, Math.max(r.value, byTs.get(r.tsMs) ?? -Infinity));
  const ordered = [...byTs.entries()].sort((a, b) => a[0] - b[0]);
  const runs: FlatRun[] = [];
  for (const [tsMs, value] of ordered) {
    const last = runs.at(-1);
    if (last !== undefined && last.value === value) {
      runs[runs.length - 1] = { ...last, endMs: tsMs, readings: last.readings + 1 };
    } else runs.push({ startMs: tsMs, endMs: tsMs, value, readings: 1 });
  }
  return runs;
}

/** What a related meter (parent, sibling, child) consumed over the flat run's whole hours. */
export interface StuckReference {
  readonly meterId: string;
  readonly relation: 'parent' | 'sibling' | 'child';
  readonly consumption: number;
  readonly unit: string;
  readonly hours: number;
}

export interface StuckRegisterInput {
  readonly meterId: string;
  readonly unit: string;
  /** The meter's runs (flatRuns) from readings before asOf. */
  readonly runs: readonly FlatRun[];
  readonly flatHours: number;
  /**
   * The related meters' consumption over the current run's hours; asked only when
   * the current run is long enough (the caller's query). Empty: no related meter.
   */
  readonly references: readonly StuckReference[];
  /** A related meter moving at least this fast (its unit per hour) shows the load is there. */
  readonly referenceMinPerHour: number;
  readonly asOfMs: number;
}

/** Whether the meter's current run is long enough to look at its related meters. */
export function isLongFlat(runs: readonly FlatRun[], flatHours: number): boolean {
  const current = runs.at(-1);
  return current !== undefined && current.endMs - current.startMs >= flatHours * HOUR_MS;
}

/**
 * stuck_register: a cumulative register flat for at least `flatHours` while a
 * related meter (its parent, its siblings, its children) moved at least
 * `referenceMinPerHour` in the same hours. A flat register in an empty building
 * (every related meter quiet) is not stuck: hold, nothing opens and an open
 * alert stays until the register moves. No related meter: hold too (nothing to
 * tell a stuck register from no load). The window is the flat run's first
 * reading; the register moving clears the latest long run.
 */
export function stuckRegisterFinding(input: StuckRegisterInput): RuleFinding {
  const { meterId, unit, runs, flatHours, references, referenceMinPerHour } = input;
  const current = runs.at(-1);
  const base = { rule: 'stuck_register' as const, meterId, severity: 'warning' as const };
  const flatMs = current === undefined ? 0 : current.endMs - current.startMs;
  const measured = { value: flatMs / HOUR_MS, threshold: flatHours, unit: 'h' };
  const movers = references.filter((r) => r.hours > 0 && r.consumption / r.hours >= referenceMinPerHour);
  const details = {
    flatSince: current === undefined ? null : episodeWindow(current.startMs),
    lastReadingAt: current === undefined ? null : episodeWindow(current.endMs),
    register: current?.value ?? null,
    unit,
    flatHours: flatMs / HOUR_MS,
    referenceMinPerHour,
    references: references.map((r) => ({ ...r, perHour: r.hours > 0 ? r.consumption / r.hours : 0 })),
  };
  if (current !== undefined && isLongFlat(runs, flatHours)) {
    const hours = figure(flatMs / HOUR_MS);
    const stuck = movers.length > 0;
    return meterFinding({
      ...base,
      window: episodeWindow(current.startMs),
      verdict: stuck ? 'raise' : 'hold',
      measured,
      sinceMs: current.startMs,
      details,
      summary: stuck
        ? {
            en:
              `Register of ${meterId} stuck at ${current.value} ${unit} for ${hours} h while ` +
              `${movers.map((m) => m.meterId).join(', ')} consumed`,
            zh:
              `表计 ${meterId} 读数停在 ${current.value} ${unit} 已 ${hours} 小时，` +
              `而 ${movers.map((m) => m.meterId).join('、')} 仍在用能`,
          }
        : references.length === 0
          ? {
              en: `Register of ${meterId} flat for ${hours} h; no related meter to tell a stuck register from no load`,
              zh: `表计 ${meterId} 读数 ${hours} 小时未变；无相关表计可比对，无法区分卡滞与无负荷`,
            }
          : {
              en: `Register of ${meterId} flat for ${hours} h, related meters quiet too (no load, not judged stuck)`,
              zh: `表计 ${meterId} 读数 ${hours} 小时未变，相关表计同样无用能（视为无负荷，不判为卡滞）`,
            },
    });
  }
  const ended = [...runs.slice(0, -1)].reverse().find((r) => r.endMs - r.startMs >= flatHours * HOUR_MS);
  const windowStart = ended?.startMs ?? current?.startMs;
  return meterFinding({
    ...base,
    window: windowStart === undefined ? NO_EPISODE : episodeWindow(windowStart),
    verdict: 'clear',
    measured,
    sinceMs: current?.startMs ?? input.asOfMs,
    details,
    summary: {
      en: `Register of ${meterId} moves`,
      zh: `表计 ${meterId} 读数正常变化`,
    },
  });
}
