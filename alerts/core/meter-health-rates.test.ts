import { describe, expect, it } from 'vitest';
import { episodeWindow } from './meter-health-episodes.js';
import { submeterImbalanceFinding, type BalanceDay } from './meter-health-imbalance.js';
import { quarantineRateFinding } from './meter-health-quarantine.js';
import { clockSkewFinding } from './meter-health-skew.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ASOF = Date.UTC(2026, 9, 10, 0);

describe('clock_skew', () => {
  const skew = (readings: { tsMs: number; receivedAtMs: number }[], futureQuarantinedAtMs: number[] = []) =>
    clockSkewFinding({
      meterId: 'm1',
      readings,
      futureQuarantinedAtMs,
      asOfMs: ASOF,
      windowHours: 24,
      quietHours: 48,
      toleranceMinutes: 10,
      clearToleranceMinutes: 5,
    });
  const ahead = (hoursAgo: number, minutes: number) => ({
    tsMs: ASOF - hoursAgo * HOUR,
    receivedAtMs: ASOF - hoursAgo * HOUR - minutes * MINUTE,
  });

  it('raises when device time is ahead of arrival beyond the tolerance', () => {
    const f = skew([ahead(3, 1), ahead(2, 12)]);
    expect(f).toMatchObject({
      verdict: 'raise',
      window: episodeWindow(ASOF - 2 * HOUR),
      details: { maxAheadMinutes: 12, skewedReadings: 1 },
    });
  });

  it('raises on items quarantined for a future timestamp', () => {
    expect(skew([ahead(2, 0)], [ASOF - HOUR])).toMatchObject({ verdict: 'raise', details: { futureQuarantined: 1 } });
  });

  it('late delivery is not skew: a 60-day backfill arriving now', () => {
    const backfill = Array.from({ length: 20 }, (_, i) => ({ tsMs: ASOF - (i + 1) * HOUR, receivedAtMs: ASOF - 1 }));
    const f = skew(backfill);
    expect(f.verdict).toBe('clear');
    expect(f.details.maxBehindMinutes).toBeGreaterThan(60);
  });

  it('holds in the band between the clear tolerance and the tolerance', () => {
    expect(skew([ahead(2, 7)]).verdict).toBe('hold');
    expect(skew([ahead(2, 4)]).verdict).toBe('clear');
  });
});

describe('quarantine_rate', () => {
  const rate = (stored: number, quarantinedHoursAgo: number[]) =>
    quarantineRateFinding({
      meterId: 'm1',
      storedInWindow: stored,
      quarantined: quarantinedHoursAgo.map((h) => ({ receivedAtMs: ASOF - h * HOUR, reason: 'negative_register' })),
      asOfMs: ASOF,
      windowHours: 24,
      quietHours: 48,
      thresholdPercent: 5,
      clearPercent: 2,
      minCount: 3,
    });

  it('raises above the threshold with enough items', () => {
    const f = rate(90, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(f).toMatchObject({
      verdict: 'raise',
      measured: { value: 10, threshold: 5, unit: '%' },
      window: episodeWindow(ASOF - 10 * HOUR),
      details: { byReason: { negative_register: 10 } },
    });
  });

  it('too few items is no rate', () => {
    expect(rate(10, [1, 2]).verdict).toBe('hold');
    expect(rate(1, [1]).verdict).toBe('hold');
  });

  it('holds in the hysteresis band, clears at or below the clear rate', () => {
    expect(rate(96, [1, 2, 3, 4]).verdict).toBe('hold');
    expect(rate(98, [1, 2]).verdict).toBe('clear');
    expect(rate(96, [30, 40]).verdict).toBe('clear');
  });
});

describe('submeter_imbalance', () => {
  const day = (n: number, parentSupply: number, children: number[], judged = true): BalanceDay => ({
    day: `2026-10-0${n}`,
    startMs: Date.UTC(2026, 9, n) - 8 * HOUR,
    parentSupply,
    children: children.map((consumption, i) => ({ meterId: `c${i}`, consumption })),
    judged,
  });
  const imbalance = (days: BalanceDay[]) =>
    submeterImbalanceFinding({
      parentId: 'p',
      unit: 'kWh',
      days,
      thresholdPercent: 10,
      clearPercent: 7,
      expectedLossPercent: 2,
      asOfMs: ASOF,
    });

  it('raises when the unmetered share exceeds the expected losses by more than the threshold', () => {
    const f = imbalance([day(1, 1000, [500, 480]), day(2, 1000, [400, 450])]);
    expect(f).toMatchObject({
      verdict: 'raise',
      window: '2026-10-02',
      measured: { threshold: 10 },
      details: { day: '2026-10-02', parentSupply: 1000, childrenConsumption: 850, unmeteredPercent: 15 },
    });
    expect(f.measured.value).toBeCloseTo(13);
  });

  it('children above the parent count too', () => {
    expect(imbalance([day(1, 1000, [600, 550])]).verdict).toBe('raise');
  });

  it('holds in the band; the window is the first day of the run', () => {
    const f = imbalance([day(1, 1000, [500, 480]), day(2, 1000, [400, 450]), day(3, 1000, [450, 440])]);
    expect(f).toMatchObject({ verdict: 'hold', window: '2026-10-02' });
  });

  it('clears when balanced, naming the run that raised; unjudged days are skipped', () => {
    const f = imbalance([day(1, 1000, [400, 450]), day(2, 1000, [490, 490]), day(3, 1000, [0, 0], false)]);
    expect(f).toMatchObject({ verdict: 'clear', window: '2026-10-01', details: { day: '2026-10-02' } });
  });

  it('no judged day: hold', () => {
    expect(imbalance([day(1, 1000, [0], false)]).verdict).toBe('hold');
  });
});
