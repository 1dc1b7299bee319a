import type { FindingVerdict } from './alert-types.js';
import type { BaselineProfile, ClassifiedHour, ProfileBand } from './baseline-profile.js';

/**
 * baseline_anomaly (docs/alerts.md, "Baselines"): consumption outside the learned band for K
 * consecutive hours opens an episode; K consecutive hours inside close it. The hysteresis is in
 * time: one hour back inside does not clear an episode and one hour outside does not start one.
 * An hour that cannot be judged (not measured in full, or no band for its key) between judged
 * hours breaks both runs: a gap neither confirms nor clears anything.
 */

export type HourPosition = 'inside' | 'above' | 'below' | 'unjudged';

export interface JudgedHour extends ClassifiedHour {
  readonly band: ProfileBand | undefined;
  readonly position: HourPosition;
}

export function judgeHour(hour: ClassifiedHour, profile: BaselineProfile | undefined): JudgedHour {
  const band = profile?.bandFor(hour);
  if (band === undefined || hour.consumption === null) return { ...hour, band, position: 'unjudged' };
  const position = hour.consumption > band.upper ? 'above' : hour.consumption < band.lower ? 'below' : 'inside';
  return { ...hour, band, position };
}

export interface AnomalyEpisode {
  /** Start of the first of the K hours outside that opened it. */
  readonly startMs: number;
  /** Start of the first of the K hours inside that closed it; null while it lasts. */
  readonly endMs: number | null;
  readonly outsideHours: number;
  readonly direction: 'above' | 'below' | 'both';
  /** The hour furthest from its band's median. */
  readonly peak: JudgedHour;
}

export interface AnomalyState {
  readonly state: 'normal' | 'anomalous';
  /**
   * raise: an episode lasts; clear: no episode and the last judged hour is inside; hold: an
   * outside run shorter than K (an episode may be starting).
   */
  readonly verdict: FindingVerdict;
  /** The lasting episode, or the last one that ended in the judged hours. */
  readonly episode: AnomalyEpisode | undefined;
  /** The length of the current run of judged hours outside (inside) the band. */
  readonly outsideRun: number;
  readonly insideRun: number;
  readonly lastJudged: JudgedHour;
}

const distance = (h: JudgedHour): number =>
  h.band === undefined || h.consumption === null ? 0 : Math.abs(h.consumption - h.band.median);

/**
 * Runs the episode machine over hours in time order; undefined when none of them could be judged.
 * Unjudged hours after the last judged one are left out: they are data not in yet (the reading
 * that closes the last hour), not a gap between judged hours; a meter gone silent is meter health's.
 */
export function trackAnomaly(all: readonly JudgedHour[], consecutiveHours: number): AnomalyState | undefined {
  let end = all.length;
  while (end > 0 && all[end - 1]?.position === 'unjudged') end--;
  const hours = all.slice(0, end);
  let anomalous = false;
  let run: JudgedHour[] = [];
  let insideRun = 0;
  let outsideRun = 0;
  let episode: { startMs: number; endMs: number | null; outside: JudgedHour[] } | undefined;
  let lastJudged: JudgedHour | undefined;
  for (const h of hours) {
    if (h.position === 'unjudged') {
      run = [];
      insideRun = 0;
      outsideRun = 0;
      continue;
    }
    lastJudged = h;
    const outside = h.position !== 'inside';
    if (outside) {
      outsideRun++;
      insideRun = 0;
    } else {
      insideRun++;
      outsideRun = 0;
    }
    if (!anomalous) {
      run = outside ? [...run, h] : [];
      if (run.length >= consecutiveHours) {
        anomalous = true;
        episode = { startMs: (run[0] as JudgedHour).startMs, endMs: null, outside: run };
        run = [];
      }
    } else if (episode !== undefined) {
      if (outside) {
        episode.outside.push(h);
        run = [];
      } else {
        run = [...run, h];
        if (run.length >= consecutiveHours) {
          anomalous = false;
          episode.endMs = (run[0] as JudgedHour).startMs;
          run = [];
        }
      }
    }
  }
  if (lastJudged === undefined) return undefined;
  const verdict: FindingVerdict = anomalous ? 'raise' : outsideRun > 0 ? 'hold' : 'clear';
  return {
    state: anomalous ? 'anomalous' : 'normal',
    verdict,
    episode: episode === undefined ? undefined : summarise(episode),
    outsideRun,
    insideRun,
    lastJudged,
  };
}

function summarise(e: { startMs: number; endMs: number | null; outside: JudgedHour[] }): AnomalyEpisode {
  const above = e.outside.some((h) => h.position === 'above');
  const below = e.outside.some((h) => h.position === 'below');
  const peak = e.outside.reduce((best, h) => (distance(h) > distance(best) ? h : best), e.outside[0] as JudgedHour);
  return {
    startMs: e.startMs,
    endMs: e.endMs,
    outsideHours: e.outside.length,
    direction: above && below ? 'both' : above ? 'above' : 'below',
    peak,
  };
}
