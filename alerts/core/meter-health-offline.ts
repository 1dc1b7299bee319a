import { MINUTE_MS } from '../../src/kernel/index.js';
import type { RuleFinding } from './alert-types.js';
import { episodeWindow, figure, meterFinding, NO_EPISODE } from './meter-health-episodes.js';

export const METER_REPORTING_STATES = ['reporting', 'late', 'never_reported'] as const;
export type MeterReportingState = (typeof METER_REPORTING_STATES)[number];

/**
 * How many expected intervals without a reading make a meter late in the registry
 * (the meters route): one missed reading is routine (a retry, a gateway
 * batching), two in a row is worth a look. The offline alert waits longer
 * (alerts.health.offline.afterIntervals, default 4): being late is a state shown,
 * being offline is a person woken.
 */
export const LATE_AFTER_INTERVALS = 2;

/**
 * Whether a meter reports on time as of `nowMs`: late once more than
 * `lateAfterIntervals` expected intervals have passed since its last reading
 * (device time). The one rule for "silent too long": the registry's state and the
 * meter_offline alert both use it, with their own multiples.
 */
export function meterReportingState(
  lastTsMs: number | undefined,
  expectedIntervalMinutes: number,
  nowMs: number,
  lateAfterIntervals: number = LATE_AFTER_INTERVALS,
): MeterReportingState {
  if (lastTsMs === undefined) return 'never_reported';
  const lateAfterMs = lateAfterIntervals * expectedIntervalMinutes * MINUTE_MS;
  return nowMs - lastTsMs > lateAfterMs ? 'late' : 'reporting';
}

export interface MeterOfflineInput {
  readonly meterId: string;
  readonly expectedIntervalMinutes: number;
  /** Offline after this many expected intervals of silence. */
  readonly afterIntervals: number;
  /**
   * The meter's readings before asOf (device time and arrival), any order: those
   * of the lookback and the last one before it (so a silence longer than the
   * lookback is seen).
   */
  readonly readings: readonly { readonly tsMs: number; readonly receivedAtMs: number }[];
  readonly asOfMs: number;
}

/**
 * meter_offline: silent (in device time) for more than `afterIntervals` expected
 * intervals as of asOf. The window is the silence's start (its last reading), so
 * a new silence after a recovery is a new alert. The first reading after the
 * silence clears it: the clear names the latest silence that was long enough.
 * Hold: late (more than LATE_AFTER_INTERVALS) but not yet offline, a band in which
 * nothing opens or closes.
 */
export function meterOfflineFinding(input: MeterOfflineInput): RuleFinding {
  const { meterId, expectedIntervalMinutes, afterIntervals, asOfMs } = input;
  const offlineAfterMs = afterIntervals * expectedIntervalMinutes * MINUTE_MS;
  const readings = firstArrivals(input.readings.filter((r) => r.tsMs < asOfMs));
  const lastMs = readings.at(-1)?.tsMs;
  const base = {
    rule: 'meter_offline' as const,
    meterId,
    severity: 'critical' as const,
  };
  const thresholdMinutes = offlineAfterMs / MINUTE_MS;
  if (lastMs === undefined) {
    return meterFinding({
      ...base,
      window: NO_EPISODE,
      verdict: 'hold',
      measured: { value: 0, threshold: thresholdMinutes, unit: 'min' },
      sinceMs: asOfMs,
      details: { state: 'never_reported', expectedIntervalMinutes, afterIntervals, lastReadingAt: null },
      summary: {
        en: `Meter ${meterId} has never reported`,
        zh: `表计 ${meterId} 从未上报读数`,
      },
    });
  }
  const silenceMs = asOfMs - lastMs;
  const silenceMinutes = silenceMs / MINUTE_MS;
  const offline = meterReportingState(lastMs, expectedIntervalMinutes, asOfMs, afterIntervals) === 'late';
  const late = meterReportingState(lastMs, expectedIntervalMinutes, asOfMs) === 'late';
  const details = {
    state: offline ? 'offline' : late ? 'late' : 'reporting',
    lastReadingAt: new Date(lastMs).toISOString(),
    silenceMinutes,
    silenceIntervals: silenceMs / (expectedIntervalMinutes * MINUTE_MS),
    expectedIntervalMinutes,
    afterIntervals,
  };
  const measured = { value: silenceMinutes, threshold: thresholdMinutes, unit: 'min' };
  const hours = figure(silenceMs / 3_600_000);
  if (offline || late) {
    return meterFinding({
      ...base,
      window: episodeWindow(lastMs),
      verdict: offline ? 'raise' : 'hold',
      measured,
      sinceMs: lastMs,
      details,
      summary: {
        en:
          `Meter ${meterId} silent for ${hours} h since ${details.lastReadingAt} ` +
          `(expected every ${expectedIntervalMinutes} min)`,
        zh: `表计 ${meterId} 自 ${details.lastReadingAt} 起已 ${hours} 小时无读数（应每 ${expectedIntervalMinutes} 分钟上报）`,
      },
    });
  }
  const ended = latestLongSilence(readings, offlineAfterMs, expectedIntervalMinutes * MINUTE_MS);
  return meterFinding({
    ...base,
    window: ended === undefined ? episodeWindow(lastMs) : episodeWindow(ended.startMs),
    verdict: 'clear',
    measured,
    sinceMs: lastMs,
    details: {
      ...details,
      ...(ended === undefined
        ? {}
        : { endedSilence: { from: episodeWindow(ended.startMs), to: episodeWindow(ended.endMs) } }),
    },
    summary: {
      en: `Meter ${meterId} reports (last reading ${details.lastReadingAt})`,
      zh: `表计 ${meterId} 正常上报（最近读数 ${details.lastReadingAt}）`,
    },
  });
}

/** One reading per device time, ascending, with its earliest arrival. */
function firstArrivals(
  readings: readonly { readonly tsMs: number; readonly receivedAtMs: number }[],
): { tsMs: number; receivedAtMs: number }[] {
  const byTs = new Map<number, number>();
  for (const r of readings) byTs.set(r.tsMs, Math.min(r.receivedAtMs, byTs.get(r.tsMs) ?? Infinity));
  return [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([tsMs, receivedAtMs]) => ({ tsMs, receivedAtMs }));
}

/**
 * The latest silence that was long enough, as the store shows it now or as it
 * looked while the readings arrived. A gateway that held a block of readings and
 * delivered it hours later left a gap that the live evaluation saw (and raised,
 * with the last reading before the block as window) but that the store no
 * longer shows in device time: reading i started a seen silence when no later
 * reading existed, both taken and arrived, until more than `offlineAfterMs`
 * after it (and reading i itself had arrived by then), for longer than
 * `minSeenMs`: a backfill delivering days of readings in a minute leaves each
 * reading alone for milliseconds, which no evaluation saw.
 */
function latestLongSilence(
  readings: readonly { readonly tsMs: number; readonly receivedAtMs: number }[],
  offlineAfterMs: number,
  minSeenMs: number,
): { startMs: number; endMs: number } | undefined {
  let nextSeenMs = Infinity;
  for (let i = readings.length - 1; i >= 0; i--) {
    const r = readings[i] as { tsMs: number; receivedAtMs: number };
    const next = readings[i + 1];
    if (next !== undefined) {
      nextSeenMs = Math.min(nextSeenMs, Math.max(next.tsMs, next.receivedAtMs));
      const inDeviceTime = next.tsMs - r.tsMs > offlineAfterMs;
      const asSeen = nextSeenMs - Math.max(r.tsMs + offlineAfterMs, r.receivedAtMs) > minSeenMs;
      if (inDeviceTime || asSeen) return { startMs: r.tsMs, endMs: inDeviceTime ? next.tsMs : nextSeenMs };
    }
  }
  return undefined;
}
