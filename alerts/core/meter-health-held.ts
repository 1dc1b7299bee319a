import { HOUR_MS } from '../../src/kernel/index.js';
import type { RuleFinding } from './alert-types.js';
import { episodeWindow, latestEpisode, meterFinding, NO_EPISODE, quietVerdict } from './meter-health-episodes.js';

/** A reading the accounting engine holds for review (accounting's HeldReading, structurally). */
export interface HeldReadingEvidence {
  readonly tsMs: number;
  readonly value: number;
  readonly reason: string;
}

export interface HeldReadingsInput {
  readonly meterId: string;
  /** The meter's held readings over the lookback, device time before asOf. */
  readonly held: readonly HeldReadingEvidence[];
  readonly asOfMs: number;
  readonly windowHours: number;
  /** Without a held reading for this long the episode ends (clear). */
  readonly quietHours: number;
}

/**
 * held_readings: the readings the engine holds for review (the top of an
 * implausible jump, the foot of an unexplained drop, a conflicting rewrite, a
 * reading that fits neither register at a replacement) in the last `windowHours`.
 * They are not booked until someone looks, so each is worth an alert; the
 * details list them with their reasons. Clears after `quietHours` without one.
 */
export function heldReadingsFinding(input: HeldReadingsInput): RuleFinding {
  const { meterId, asOfMs, windowHours, quietHours } = input;
  const held = input.held.filter((h) => h.tsMs < asOfMs).sort((a, b) => a.tsMs - b.tsMs);
  const inWindow = held.filter((h) => h.tsMs >= asOfMs - windowHours * HOUR_MS);
  const episode = latestEpisode(
    held.map((h) => h.tsMs),
    quietHours * HOUR_MS,
  );
  const verdict = quietVerdict(inWindow.length > 0, episode?.lastMs, asOfMs, quietHours * HOUR_MS);
  const reasons = [...new Set(inWindow.map((h) => h.reason))];
  return meterFinding({
    rule: 'held_readings',
    meterId,
    window: episode === undefined ? NO_EPISODE : episodeWindow(episode.startMs),
    verdict,
    severity: 'warning',
    measured: { value: inWindow.length, threshold: 1, unit: 'readings' },
    sinceMs: episode?.startMs ?? asOfMs,
    details: {
      windowHours,
      quietHours,
      readings: inWindow.map((h) => ({ ts: episodeWindow(h.tsMs), value: h.value, reason: h.reason })),
      lastHeldAt: episode === undefined ? null : episodeWindow(episode.lastMs),
    },
    summary:
      inWindow.length > 0
        ? {
            en:
              `${inWindow.length} reading(s) of ${meterId} held for review in the last ${windowHours} h ` +
              `(${reasons.join(', ')})`,
            zh: `表计 ${meterId} 近 ${windowHours} 小时有 ${inWindow.length} 条读数待复核（${reasons.join('、')}）`,
          }
        : {
            en: `No reading of ${meterId} held for review in the last ${windowHours} h`,
            zh: `表计 ${meterId} 近 ${windowHours} 小时无待复核读数`,
          },
  });
}
