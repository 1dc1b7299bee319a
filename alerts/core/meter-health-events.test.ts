import { describe, expect, it } from 'vitest';
import { episodeWindow, latestEpisode, lookbackStartMs, quietVerdict } from './meter-health-episodes.js';
import { heldReadingsFinding } from './meter-health-held.js';
import { sequenceGapFinding, sequenceGaps } from './meter-health-sequence.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ASOF = Date.UTC(2026, 9, 10, 0);

describe('episodes', () => {
  it('groups evidence split by quiet periods; the latest episode starts at its first piece', () => {
    expect(latestEpisode([ASOF - 100 * HOUR, ASOF - 10 * HOUR, ASOF - 30 * HOUR, ASOF - 2 * HOUR], 48 * HOUR)).toEqual({
      startMs: ASOF - 30 * HOUR,
      lastMs: ASOF - 2 * HOUR,
      count: 3,
    });
    expect(latestEpisode([], HOUR)).toBeUndefined();
  });

  it('a fixed lookback grid: the start is the same for every instant of a grid step', () => {
    const start = lookbackStartMs(ASOF, 3 * DAY);
    expect(lookbackStartMs(ASOF + HOUR, 3 * DAY)).toBe(start);
    expect(ASOF - start).toBeGreaterThanOrEqual(3 * DAY);
    expect(ASOF - start).toBeLessThan(6 * DAY);
  });

  it('quiet-period hysteresis', () => {
    expect(quietVerdict(true, ASOF - HOUR, ASOF, 48 * HOUR)).toBe('raise');
    expect(quietVerdict(false, ASOF - 30 * HOUR, ASOF, 48 * HOUR)).toBe('hold');
    expect(quietVerdict(false, ASOF - 49 * HOUR, ASOF, 48 * HOUR)).toBe('clear');
    expect(quietVerdict(false, undefined, ASOF, 48 * HOUR)).toBe('clear');
  });
});

describe('held_readings', () => {
  const held = (...hoursAgo: number[]) =>
    heldReadingsFinding({
      meterId: 'm1',
      held: hoursAgo.map((h) => ({ tsMs: ASOF - h * HOUR, value: 100 + h, reason: 'implausible_jump' })),
      asOfMs: ASOF,
      windowHours: 24,
      quietHours: 48,
    });

  it('raises on a held reading in the last 24 h, listing it with its reason', () => {
    const f = held(5, 30);
    expect(f).toMatchObject({
      rule: 'held_readings',
      verdict: 'raise',
      window: episodeWindow(ASOF - 30 * HOUR),
      measured: { value: 1, threshold: 1 },
      details: { readings: [{ ts: episodeWindow(ASOF - 5 * HOUR), value: 105, reason: 'implausible_jump' }] },
    });
    expect(f.summary.en).toContain('implausible_jump');
  });

  it('holds while the last held reading is within the quiet period, clears after', () => {
    expect(held(30).verdict).toBe('hold');
    expect(held(50)).toMatchObject({ verdict: 'clear', window: episodeWindow(ASOF - 50 * HOUR) });
  });

  it('ignores readings at or after asOf (a backtest sees the past only)', () => {
    expect(held(-1).verdict).toBe('clear');
  });
});

describe('sequence_gap', () => {
  const reading = (hoursAgo: number, seq: number | null) => ({ tsMs: ASOF - hoursAgo * HOUR, seq });
  const gap = (readings: { tsMs: number; seq: number | null }[]) =>
    sequenceGapFinding({ meterId: 'm1', readings, asOfMs: ASOF, windowHours: 24, quietHours: 48, minMissing: 1 });

  it('raises on missing numbers in the window', () => {
    const f = gap([reading(4, 10), reading(3, 11), reading(2, 14), reading(1, 15)]);
    expect(f).toMatchObject({
      verdict: 'raise',
      severity: 'info',
      window: episodeWindow(ASOF - 2 * HOUR),
      measured: { value: 2 },
      details: { gaps: [{ fromSeq: 12, toSeq: 13, missing: 2 }] },
    });
  });

  it('a seq restart (lower than the last) is a device restart, not a gap', () => {
    const readings = [reading(4, 500), reading(3, 501), reading(2, 0), reading(1, 1)];
    expect(sequenceGaps(readings)).toEqual({
      gaps: [],
      restarts: [{ atTsMs: ASOF - 2 * HOUR, fromSeq: 501, toSeq: 0 }],
    });
    expect(gap(readings)?.verdict).toBe('clear');
  });

  it('holds for a gap older than the window but within the quiet period', () => {
    expect(gap([reading(40, 1), reading(30, 5), reading(1, 6)])?.verdict).toBe('hold');
  });

  it('readings without seq give no finding; a repeated seq is no gap', () => {
    expect(gap([reading(2, null), reading(1, null)])).toBeUndefined();
    expect(gap([reading(3, 7), reading(2, null), reading(1, 7), reading(0.5, 8)])?.verdict).toBe('clear');
  });
});
