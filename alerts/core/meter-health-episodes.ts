import type { AlertRule, AlertSeverity, FindingVerdict, LocalizedText, RuleFinding } from './alert-types.js';

/**
 * What the meter-health rules share (docs/alerts.md, "Meter health"): how a
 * condition without a calendar period gets a de-duplication window, and the
 * quiet-period hysteresis of the rules that count events.
 *
 * A health condition is an episode: it starts with its first piece of evidence
 * (a silence's last reading, a flat register's first reading, a held reading,
 * a sequence gap …) and ends after a quiet period without evidence. The window
 * of every finding about an episode is the ISO instant of its start, so a
 * condition that persists keeps one alert, a new episode after a recovery is a
 * new alert, and the `clear` that ends an episode carries the window of the
 * alert it resolves (the lifecycle matches findings to alerts by id).
 */

/** The window of a finding with no episode at all in the lookback (nothing to raise or resolve). */
export const NO_EPISODE = 'none';

/** The window label of an episode that started at `startMs`. */
export function episodeWindow(startMs: number): string {
  return new Date(startMs).toISOString();
}

/**
 * Where the history a rule looks at begins: on a fixed grid of `lookbackMs`, one
 * to two lookbacks before `asOfMs`. A fixed start keeps an episode's start (and so
 * its window) the same at every evaluation even when the episode began before
 * the lookback; a sliding start would give every evaluation a new window.
 */
export function lookbackStartMs(asOfMs: number, lookbackMs: number): number {
  return Math.floor(asOfMs / lookbackMs) * lookbackMs - lookbackMs;
}

export interface Episode {
  readonly startMs: number;
  readonly lastMs: number;
  /** Pieces of evidence in the episode. */
  readonly count: number;
}

/**
 * The latest episode of evidence instants: evidence closer than `quietMs` to the
 * evidence before it belongs to the same episode. Instants in any order.
 */
export function latestEpisode(instants: readonly number[], quietMs: number): Episode | undefined {
  const sorted = [...instants].sort((a, b) => a - b);
  const lastMs = sorted.at(-1);
  if (lastMs === undefined) return undefined;
  let startMs = lastMs;
  let count = 1;
  for (let i = sorted.length - 2; i >= 0; i--) {
    const t = sorted[i] as number;
    if (startMs - t > quietMs) break;
    startMs = t;
    count++;
  }
  return { startMs, lastMs, count };
}

/**
 * The verdict of a rule that counts events (held readings, sequence gaps, skewed
 * readings): raise when the rule's own threshold is met in its window; hold while
 * the latest evidence is younger than the quiet period (an event every 25 hours
 * against a 24-hour window does not open and close an alert each day); clear after.
 */
export function quietVerdict(
  raise: boolean,
  lastEvidenceMs: number | undefined,
  asOfMs: number,
  quietMs: number,
): FindingVerdict {
  if (raise) return 'raise';
  return lastEvidenceMs !== undefined && asOfMs - lastEvidenceMs <= quietMs ? 'hold' : 'clear';
}

/** A finding about one meter. */
export function meterFinding(finding: {
  readonly rule: AlertRule;
  readonly meterId: string;
  readonly window: string;
  readonly verdict: FindingVerdict;
  readonly severity: AlertSeverity;
  readonly measured: RuleFinding['measured'];
  readonly sinceMs: number;
  readonly details: Readonly<Record<string, unknown>>;
  readonly summary: LocalizedText;
}): RuleFinding {
  const { meterId, ...rest } = finding;
  return { ...rest, subject: { kind: 'meter', id: meterId } };
}

/** A number for a summary line: at most `digits` decimals, no trailing zeros. */
export function figure(value: number, digits = 1): string {
  return String(Number(value.toFixed(digits)));
}
