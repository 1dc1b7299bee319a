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
   * Device times of the meter's readings before asOf, ascending: those of the
   * lookback and the last one before it (so a silence longer than the lookback is seen).
   */
  readonly readingTimesMs: readonly number[];
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
  const { meterId, expectedIntervalMinutes, afterIntervals, readingTimesMs, asOfMs } = input;
  const offlineAfterMs = afterIntervals * expectedIntervalMinutes * MINUTE_MS;
  const times = readingTimesMs.filter((t) => t < asOfMs);
  const lastMs = times.at(-1);
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
        en: `Meter ${meterId} silent for ${hours} h since ${details.lastReadingAt} (expected every ${expectedIntervalMinutes} min)`,
        zh: `表计 ${meterId} 自 ${details.lastReadingAt} 起已 ${hours} 小时无读数（应每 ${expectedIntervalMinutes} 分钟上报）`,
      },
    });
  }
  const ended = latestLongSilence(times, offlineAfterMs);
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

/** The latest gap between consecutive readings longer than `offlineAfterMs`. */
function latestLongSilence(
  times: readonly number[],
  offlineAfterMs: number,
): { startMs: number; endMs: number } | undefined {
  for (let i = times.length - 1; i > 0; i--) {
    const endMs = times[i] as number;
    const startMs = times[i - 1] as number;
    if (endMs - startMs > offlineAfterMs) return { startMs, endMs };
  }
  return undefined;
}
