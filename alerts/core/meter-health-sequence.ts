import { HOUR_MS } from '../../src/kernel/index.js';
import type { RuleFinding } from './alert-types.js';
import { episodeWindow, latestEpisode, meterFinding, NO_EPISODE, quietVerdict } from './meter-health-episodes.js';

export interface SequencedReading {
  readonly tsMs: number;
  readonly seq: number | null;
}

/** Sequence numbers missing between two consecutive readings (device time order). */
export interface SequenceGap {
  readonly afterTsMs: number;
  readonly beforeTsMs: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly missing: number;
}

/** A sequence number lower than the one before it: the device restarted (or its counter wrapped). */
export interface SequenceRestart {
  readonly atTsMs: number;
  readonly fromSeq: number;
  readonly toSeq: number;
}

/**
 * The gaps and restarts in a meter's sequence numbers, comparing each reading
 * that has one with the previous reading that has one (readings without a seq are
 * skipped). A repeated seq (a replay, a rewrite) is neither.
 */
export function sequenceGaps(readings: readonly SequencedReading[]): {
  gaps: SequenceGap[];
  restarts: SequenceRestart[];
} {
  const withSeq = readings
    .filter((r): r is SequencedReading & { seq: number } => r.seq !== null)
    .sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq);
  const gaps: SequenceGap[] = [];
  const restarts: SequenceRestart[] = [];
  for (let i = 1; i < withSeq.length; i++) {
    const a = withSeq[i - 1] as { tsMs: number; seq: number };
    const b = withSeq[i] as { tsMs: number; seq: number };
    if (b.seq > a.seq + 1)
      gaps.push({
        afterTsMs: a.tsMs,
        beforeTsMs: b.tsMs,
        fromSeq: a.seq + 1,
        toSeq: b.seq - 1,
        missing: b.seq - a.seq - 1,
      });
    else if (b.seq < a.seq) restarts.push({ atTsMs: b.tsMs, fromSeq: a.seq, toSeq: b.seq });
  }
  return { gaps, restarts };
}

export interface SequenceGapInput {
  readonly meterId: string;
  /** The meter's readings over the lookback, device time before asOf. */
  readonly readings: readonly SequencedReading[];
  readonly asOfMs: number;
  readonly windowHours: number;
  readonly quietHours: number;
  /** Raise at this many missing numbers in the window. */
  readonly minMissing: number;
}

/**
 * sequence_gap: sequence numbers missing among the meter's readings in the last
 * `windowHours` (messages the device sent that never arrived, or arrived and
 * were quarantined). A restart is not a gap. A meter whose readings carry no seq
 * gives no finding (undefined): there is nothing to judge.
 */
export function sequenceGapFinding(input: SequenceGapInput): RuleFinding | undefined {
  const { meterId, asOfMs, windowHours, quietHours, minMissing } = input;
  const readings = input.readings.filter((r) => r.tsMs < asOfMs);
  if (!readings.some((r) => r.seq !== null)) return undefined;
  const { gaps, restarts } = sequenceGaps(readings);
  const fromMs = asOfMs - windowHours * HOUR_MS;
  const inWindow = gaps.filter((g) => g.beforeTsMs >= fromMs);
  const missing = inWindow.reduce((s, g) => s + g.missing, 0);
  const episode = latestEpisode(
    gaps.map((g) => g.beforeTsMs),
    quietHours * HOUR_MS,
  );
  const verdict = quietVerdict(missing >= minMissing, episode?.lastMs, asOfMs, quietHours * HOUR_MS);
  return meterFinding({
    rule: 'sequence_gap',
    meterId,
    window: episode === undefined ? NO_EPISODE : episodeWindow(episode.startMs),
    verdict,
    severity: 'info',
    measured: { value: missing, threshold: minMissing, unit: 'readings' },
    sinceMs: episode?.startMs ?? asOfMs,
    details: {
      windowHours,
      missing,
      gaps: inWindow.map((g) => ({
        after: episodeWindow(g.afterTsMs),
        before: episodeWindow(g.beforeTsMs),
        fromSeq: g.fromSeq,
        toSeq: g.toSeq,
        missing: g.missing,
      })),
      restarts: restarts
        .filter((r) => r.atTsMs >= fromMs)
        .map((r) => ({ at: episodeWindow(r.atTsMs), fromSeq: r.fromSeq, toSeq: r.toSeq })),
    },
    summary:
      missing > 0
        ? {
            en:
              `${missing} sequence number(s) of ${meterId} missing in the last ${windowHours} h ` +
              `(${inWindow.length} gap(s))`,
            zh: `表计 ${meterId} 近 ${windowHours} 小时缺失 ${missing} 个序号（${inWindow.length} 处断档）`,
          }
        : {
            en: `No sequence gap for ${meterId} in the last ${windowHours} h`,
            zh: `表计 ${meterId} 近 ${windowHours} 小时序号连续`,
          },
  });
}
