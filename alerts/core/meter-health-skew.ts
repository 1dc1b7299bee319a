import { HOUR_MS, MINUTE_MS } from '../../src/kernel/index.js';
import type { RuleFinding } from './alert-types.js';
import {
  episodeWindow,
  figure,
  latestEpisode,
  meterFinding,
  NO_EPISODE,
  quietVerdict,
} from './meter-health-episodes.js';

export interface TimedReading {
  readonly tsMs: number;
  readonly receivedAtMs: number;
}

export interface ClockSkewInput {
  readonly meterId: string;
  /** The meter's stored readings over the lookback, device time before asOf. */
  readonly readings: readonly TimedReading[];
  /** Arrival times of the meter's items quarantined as future_timestamp over the lookback, before asOf. */
  readonly futureQuarantinedAtMs: readonly number[];
  readonly asOfMs: number;
  readonly windowHours: number;
  readonly quietHours: number;
  /** A reading stamped more than this ahead of its arrival is skewed. */
  readonly toleranceMinutes: number;
  /** Hysteresis: no reading ahead by more than this before the alert may clear. */
  readonly clearToleranceMinutes: number;
}

/**
 * clock_skew: the device clock runs AHEAD of the service's. Only that direction is
 * skew: a reading cannot arrive before it was taken, so a device time later than
 * the arrival time is the device's clock, never the network. The other direction
 * (device time long before arrival) is what a buffered gateway, a reconnect, the
 * demo's 60-day backfill all look like: late delivery, judged by the offline and
 * sequence rules, not here. A clock running behind is therefore not seen (it is
 * indistinguishable from late delivery reading by reading).
 *
 * Evidence: stored readings ahead of arrival by more than `toleranceMinutes`, and
 * the meter's items quarantined by ingest as `future_timestamp` (ahead of the
 * service clock by more than ingest.maxFutureSkewMs: never stored, so they count
 * here or nowhere). Raise on one piece of evidence in the window; hold while a
 * reading is ahead by more than `clearToleranceMinutes` or evidence is younger
 * than the quiet period; clear after.
 */
export function clockSkewFinding(input: ClockSkewInput): RuleFinding {
  const { meterId, asOfMs, windowHours, quietHours, toleranceMinutes, clearToleranceMinutes } = input;
  const fromMs = asOfMs - windowHours * HOUR_MS;
  const readings = input.readings.filter((r) => r.tsMs < asOfMs);
  const future = input.futureQuarantinedAtMs.filter((t) => t < asOfMs);
  const aheadMs = (r: TimedReading) => r.tsMs - r.receivedAtMs;
  const skewed = readings.filter((r) => aheadMs(r) > toleranceMinutes * MINUTE_MS);
  const skewedInWindow = skewed.filter((r) => r.tsMs >= fromMs);
  const futureInWindow = future.filter((t) => t >= fromMs);
  const inWindow = readings.filter((r) => r.tsMs >= fromMs);
  const maxAheadMinutes = Math.max(0, ...inWindow.map((r) => aheadMs(r) / MINUTE_MS));
  const maxBehindMinutes = Math.max(0, ...inWindow.map((r) => -aheadMs(r) / MINUTE_MS));
  const evidence = [...skewed.map((r) => r.tsMs), ...future];
  const episode = latestEpisode(evidence, quietHours * HOUR_MS);
  const count = skewedInWindow.length + futureInWindow.length;
  const verdict =
    count > 0
      ? 'raise'
      : maxAheadMinutes > clearToleranceMinutes
        ? 'hold'
        : quietVerdict(false, episode?.lastMs, asOfMs, quietHours * HOUR_MS);
  return meterFinding({
    rule: 'clock_skew',
    meterId,
    window: episode === undefined ? NO_EPISODE : episodeWindow(episode.startMs),
    verdict,
    severity: 'warning',
    measured: { value: count, threshold: 1, unit: 'readings' },
    sinceMs: episode?.startMs ?? asOfMs,
    details: {
      windowHours,
      toleranceMinutes,
      clearToleranceMinutes,
      maxAheadMinutes,
      maxBehindMinutes,
      skewedReadings: skewedInWindow.length,
      futureQuarantined: futureInWindow.length,
      examples: skewedInWindow.slice(-5).map((r) => ({
        ts: episodeWindow(r.tsMs),
        receivedAt: episodeWindow(r.receivedAtMs),
        aheadMinutes: aheadMs(r) / MINUTE_MS,
      })),
    },
    summary:
      count > 0
        ? skewSummary(meterId, skewedInWindow.length, futureInWindow.length, input, maxAheadMinutes)
        : {
            en: `Clock of ${meterId} within ${toleranceMinutes} min (max ahead ${figure(maxAheadMinutes)} min)`,
            zh: `表计 ${meterId} 时钟偏差在 ${toleranceMinutes} 分钟以内（最大超前 ${figure(maxAheadMinutes)} 分钟）`,
          },
  });
}

function skewSummary(
  meterId: string,
  skewed: number,
  future: number,
  input: ClockSkewInput,
  maxAheadMinutes: number,
): { en: string; zh: string } {
  const en: string[] = [];
  const zh: string[] = [];
  if (skewed > 0) {
    en.push(
      `${skewed} reading(s) stamped more than ${input.toleranceMinutes} min after arrival ` +
        `(max ${figure(maxAheadMinutes)} min)`,
    );
    zh.push(
      `${skewed} 条读数时间戳超前到达时间 ${input.toleranceMinutes} 分钟以上（最大 ${figure(maxAheadMinutes)} 分钟）`,
    );
  }
  if (future > 0) {
    en.push(`${future} reading(s) quarantined with a future timestamp`);
    zh.push(`${future} 条读数因时间戳在未来被隔离`);
  }
  return {
    en: `Clock of ${meterId} runs ahead in the last ${input.windowHours} h: ${en.join('; ')}`,
    zh: `表计 ${meterId} 时钟超前（近 ${input.windowHours} 小时）：${zh.join('；')}`,
  };
}
