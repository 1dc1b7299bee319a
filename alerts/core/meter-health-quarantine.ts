import { HOUR_MS } from '../../src/kernel/index.js';
import type { RuleFinding } from './alert-types.js';
import { episodeWindow, figure, latestEpisode, meterFinding, NO_EPISODE } from './meter-health-episodes.js';

export interface QuarantinedItem {
  readonly receivedAtMs: number;
  readonly reason: string;
}

export interface QuarantineRateInput {
  readonly meterId: string;
  /** Stored readings of the meter with device time in the window. */
  readonly storedInWindow: number;
  /** The meter's quarantined items over the lookback (arrival time before asOf). */
  readonly quarantined: readonly QuarantinedItem[];
  readonly asOfMs: number;
  readonly windowHours: number;
  readonly quietHours: number;
  readonly thresholdPercent: number;
  /** Hysteresis: the alert clears at or below this rate. */
  readonly clearPercent: number;
  /** At least this many quarantined items to raise (one bad item of three is no rate). */
  readonly minCount: number;
}

/**
 * quarantine_rate: quarantined / (stored + quarantined) for one meter in the last
 * `windowHours` above `thresholdPercent`, with at least `minCount` quarantined
 * items. Quarantined items have no trustworthy device time (many were rejected
 * for it), so they are counted by arrival time, stored readings by device time:
 * for a meter that reports live the two coincide. Raise above the threshold, hold
 * above `clearPercent`, clear at or below it. The window is the episode of
 * quarantined items (split by `quietHours` without one).
 */
export function quarantineRateFinding(input: QuarantineRateInput): RuleFinding {
  const { meterId, storedInWindow, asOfMs, windowHours, quietHours, thresholdPercent, clearPercent, minCount } = input;
  const quarantined = input.quarantined.filter((q) => q.receivedAtMs < asOfMs);
  const inWindow = quarantined.filter((q) => q.receivedAtMs >= asOfMs - windowHours * HOUR_MS);
  const total = storedInWindow + inWindow.length;
  const ratePercent = total > 0 ? (inWindow.length / total) * 100 : 0;
  const verdict =
    ratePercent > thresholdPercent && inWindow.length >= minCount
      ? 'raise'
      : ratePercent > clearPercent
        ? 'hold'
        : 'clear';
  const episode = latestEpisode(
    quarantined.map((q) => q.receivedAtMs),
    quietHours * HOUR_MS,
  );
  const byReason: Record<string, number> = {};
  for (const q of inWindow) byReason[q.reason] = (byReason[q.reason] ?? 0) + 1;
  const rate = figure(ratePercent);
  return meterFinding({
    rule: 'quarantine_rate',
    meterId,
    window: episode === undefined ? NO_EPISODE : episodeWindow(episode.startMs),
    verdict,
    severity: 'warning',
    measured: { value: ratePercent, threshold: thresholdPercent, unit: '%' },
    sinceMs: episode?.startMs ?? asOfMs,
    details: {
      windowHours,
      stored: storedInWindow,
      quarantined: inWindow.length,
      ratePercent,
      clearPercent,
      minCount,
      byReason,
    },
    summary: {
      en: `${rate} % of ${meterId}'s items quarantined in the last ${windowHours} h (${inWindow.length} of ${total})`,
      zh: `表计 ${meterId} 近 ${windowHours} 小时隔离率 ${rate}%（${total} 条中 ${inWindow.length} 条）`,
    },
  });
}
