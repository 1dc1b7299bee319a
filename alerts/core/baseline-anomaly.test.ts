import { describe, expect, it } from 'vitest';
import { trackAnomaly, type HourPosition, type JudgedHour } from './baseline-anomaly.js';
import { bandOf } from './baseline-profile.js';

const band = bandOf('working_hour', null, 9, [10, 10, 10], {
  bandK: 3,
  bandFloorShare: 0.1,
  bandFloorAbsolute: 0.5,
  minSamples: 3,
});
const VALUE: Record<HourPosition, number | null> = { inside: 10, above: 20, below: 1, unjudged: null };

/** Hours one per ms-step from a string: i inside, a above, b below, u unjudged. */
function hours(pattern: string): JudgedHour[] {
  const map: Record<string, HourPosition> = { i: 'inside', a: 'above', b: 'below', u: 'unjudged' };
  return [...pattern].map((c, k) => {
    const position = map[c] as HourPosition;
    return {
      startMs: k * 3_600_000,
      consumption: VALUE[position],
      date: '2026-10-01',
      weekday: 4,
      hour: k % 24,
      dayKind: 'working_day',
      working: true,
      band: position === 'unjudged' ? undefined : band,
      position,
    };
  });
}

describe('trackAnomaly', () => {
  it('raises only after K consecutive hours outside', () => {
    expect(trackAnomaly(hours('iiaa'), 3)).toMatchObject({ verdict: 'hold', state: 'normal', outsideRun: 2 });
    const raised = trackAnomaly(hours('iiaab'), 3);
    expect(raised).toMatchObject({ verdict: 'raise', state: 'anomalous' });
    expect(raised?.episode).toMatchObject({ startMs: 2 * 3_600_000, endMs: null, outsideHours: 3, direction: 'both' });
    expect(raised?.episode?.peak.consumption).toBe(20);
  });

  it('clears only after K consecutive hours inside (hysteresis)', () => {
    expect(trackAnomaly(hours('aaaii'), 3)).toMatchObject({ verdict: 'raise', state: 'anomalous', insideRun: 2 });
    expect(trackAnomaly(hours('aaaiiai'), 3)).toMatchObject({ verdict: 'raise', state: 'anomalous' });
    const cleared = trackAnomaly(hours('aaaiii'), 3);
    expect(cleared).toMatchObject({ verdict: 'clear', state: 'normal' });
    expect(cleared?.episode).toMatchObject({ startMs: 0, endMs: 3 * 3_600_000, direction: 'above' });
  });

  it('does not flap on a value hovering at the band', () => {
    expect(trackAnomaly(hours('aiaiaiaiai'), 3)).toMatchObject({ verdict: 'clear', episode: undefined });
    expect(trackAnomaly(hours('aiaiaiaiaia'), 3)).toMatchObject({ verdict: 'hold', episode: undefined });
  });

  it('lets a gap break a run', () => {
    expect(trackAnomaly(hours('aauaa'), 3)).toMatchObject({ verdict: 'hold', state: 'normal' });
    expect(trackAnomaly(hours('aaaiiuii'), 3)).toMatchObject({ verdict: 'raise', state: 'anomalous' });
  });

  it('leaves out the unjudged hours after the last judged one (data not in yet)', () => {
    expect(trackAnomaly(hours('iiaau'), 3)).toMatchObject({ verdict: 'hold', outsideRun: 2 });
    expect(trackAnomaly(hours('iiaauuu'), 3)?.lastJudged.startMs).toBe(3 * 3_600_000);
  });

  it('has nothing to say without a judged hour', () => {
    expect(trackAnomaly(hours('uuu'), 3)).toBeUndefined();
  });
});
