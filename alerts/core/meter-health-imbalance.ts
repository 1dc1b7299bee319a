import type { RuleFinding } from './alert-types.js';
import { figure, meterFinding, NO_EPISODE } from './meter-health-episodes.js';

/** One local day of a parent meter and its children, in the parent's unit. */
export interface BalanceDay {
  /** The local day, 'YYYY-MM-DD' in the institution's zone. */
  readonly day: string;
  /** The day's start (UTC ms). */
  readonly startMs: number;
  /** What the parent supplied: its consumption plus PV feeding in behind it. */
  readonly parentSupply: number;
  readonly children: readonly { readonly meterId: string; readonly consumption: number }[];
  /** Complete enough to judge (every meter's readings mostly there): a missing child is not an imbalance. */
  readonly judged: boolean;
}

export interface SubmeterImbalanceInput {
  readonly parentId: string;
  readonly unit: string;
  /** Complete local days before asOf, ascending. */
  readonly days: readonly BalanceDay[];
  readonly thresholdPercent: number;
  /** Hysteresis: the alert clears at or below this deviation. */
  readonly clearPercent: number;
  /** The share of the parent's supply expected to be lost or unmetered (cables, transformers, small loads). */
  readonly expectedLossPercent: number;
  readonly asOfMs: number;
}

/** The signed share of the supply no child measures (%), and its deviation from the expected losses. */
export function dayImbalance(
  day: BalanceDay,
  expectedLossPercent: number,
): { unmeteredPercent: number; deviationPercent: number } {
  const children = day.children.reduce((s, c) => s + c.consumption, 0);
  const unmeteredPercent =
    day.parentSupply > 0 ? ((day.parentSupply - children) / day.parentSupply) * 100 : children > 0 ? -100 : 0;
  return { unmeteredPercent, deviationPercent: Math.abs(unmeteredPercent - expectedLossPercent) };
}

/**
 * submeter_imbalance: per parent meter and local day, |parent − Σ children| / parent,
 * after the expected losses, above `thresholdPercent`. The latest judged day
 * decides: above the threshold raise, above `clearPercent` hold, else clear. The
 * window is the first day of the run of consecutive judged days above
 * `clearPercent` (one alert for an imbalance that lasts a week); a clear names
 * the latest run that reached the threshold.
 */
export function submeterImbalanceFinding(input: SubmeterImbalanceInput): RuleFinding {
  const { parentId, unit, thresholdPercent, clearPercent, expectedLossPercent } = input;
  const judged = input.days.filter((d) => d.judged).map((d) => ({ ...d, ...dayImbalance(d, expectedLossPercent) }));
  const last = judged.at(-1);
  const base = { rule: 'submeter_imbalance' as const, meterId: parentId, severity: 'warning' as const };
  if (last === undefined) {
    return meterFinding({
      ...base,
      window: NO_EPISODE,
      verdict: 'hold',
      measured: { value: 0, threshold: thresholdPercent, unit: '%' },
      sinceMs: input.asOfMs,
      details: { day: null, expectedLossPercent, days: [] },
      summary: {
        en: `No complete day to balance ${parentId} against its sub-meters`,
        zh: `表计 ${parentId} 无完整日数据，未做分项平衡校核`,
      },
    });
  }
  const runs: { start: string; startMs: number; raised: boolean; end: number }[] = [];
  judged.forEach((d, i) => {
    if (d.deviationPercent <= clearPercent) return;
    const run = runs.at(-1);
    if (run !== undefined && run.end === i - 1) {
      run.end = i;
      run.raised ||= d.deviationPercent > thresholdPercent;
    } else runs.push({ start: d.day, startMs: d.startMs, raised: d.deviationPercent > thresholdPercent, end: i });
  });
  const lastIndex = judged.length - 1;
  const verdict =
    last.deviationPercent > thresholdPercent ? 'raise' : last.deviationPercent > clearPercent ? 'hold' : 'clear';
  const current = runs.at(-1)?.end === lastIndex ? runs.at(-1) : undefined;
  const episode = verdict === 'clear' ? [...runs].reverse().find((r) => r.raised) : current;
  const window = episode?.start ?? last.day;
  const childrenSum = last.children.reduce((s, c) => s + c.consumption, 0);
  return meterFinding({
    ...base,
    window,
    verdict,
    measured: { value: last.deviationPercent, threshold: thresholdPercent, unit: '%' },
    sinceMs: episode?.startMs ?? last.startMs,
    details: {
      day: last.day,
      unit,
      parentSupply: last.parentSupply,
      childrenConsumption: childrenSum,
      children: last.children,
      unmeteredPercent: last.unmeteredPercent,
      expectedLossPercent,
      clearPercent,
      days: judged.map((d) => ({
        day: d.day,
        unmeteredPercent: d.unmeteredPercent,
        deviationPercent: d.deviationPercent,
      })),
    },
    summary: {
      en:
        `${parentId} on ${last.day}: ${figure(last.parentSupply)} ${unit} supplied, sub-meters ` +
        `${figure(childrenSum)} ${unit}, ${figure(last.unmeteredPercent)} % unmetered ` +
        `(expected ${figure(expectedLossPercent)} %)`,
      zh:
        `${parentId} ${last.day}：总表 ${figure(last.parentSupply)} ${unit}，分表合计 ${figure(childrenSum)} ${unit}，` +
        `未计量 ${figure(last.unmeteredPercent)}%（预期损耗 ${figure(expectedLossPercent)}%）`,
    },
  });
}
