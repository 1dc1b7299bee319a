import { describe, expect, it } from 'vitest';
import { meterOfflineFinding, meterReportingState } from './meter-health-offline.js';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 9, 1, 12);

describe('meterReportingState', () => {
  it('is never_reported without a last reading', () => {
    expect(meterReportingState(undefined, 15, NOW)).toBe('never_reported');
  });

  it('is reporting up to two expected intervals after the last reading, late after', () => {
    expect(meterReportingState(NOW - 15 * MINUTE, 15, NOW)).toBe('reporting');
    expect(meterReportingState(NOW - 30 * MINUTE, 15, NOW)).toBe('reporting');
    expect(meterReportingState(NOW - 30 * MINUTE - 1, 15, NOW)).toBe('late');
    expect(meterReportingState(NOW - 2 * 60 * MINUTE - 1, 60, NOW)).toBe('late');
    expect(meterReportingState(NOW - 2 * 60 * MINUTE, 60, NOW)).toBe('reporting');
  });

  it('takes another multiple for the offline alert', () => {
    expect(meterReportingState(NOW - 60 * MINUTE, 15, NOW, 4)).toBe('reporting');
    expect(meterReportingState(NOW - 60 * MINUTE - 1, 15, NOW, 4)).toBe('late');
  });
});

describe('meter_offline', () => {
  const every15 = (fromMs: number, toMs: number) => {
    const times: number[] = [];
    for (let t = fromMs; t <= toMs; t += 15 * MINUTE) times.push(t);
    return times;
  };
  const offline = (times: number[], asOfMs = NOW, receivedAt = (tsMs: number) => tsMs + 500) =>
    meterOfflineFinding({
      meterId: 'm1',
      expectedIntervalMinutes: 15,
      afterIntervals: 4,
      readings: times.map((tsMs) => ({ tsMs, receivedAtMs: receivedAt(tsMs) })),
      asOfMs,
    });
  const silentSince = NOW - 5 * 60 * MINUTE;

  it('raises after four silent intervals, with the silence start as window', () => {
    const f = offline(every15(NOW - 10 * 60 * MINUTE, silentSince));
    expect(f).toMatchObject({
      rule: 'meter_offline',
      verdict: 'raise',
      severity: 'critical',
      window: '2026-10-01T07:00:00.000Z',
      sinceMs: silentSince,
      measured: { value: 300, threshold: 60, unit: 'min' },
      subject: { kind: 'meter', id: 'm1' },
    });
    expect(f.summary.en).toContain('m1');
    expect(f.summary.zh).toContain('m1');
  });

  it('holds while late but not yet offline (between two and four intervals)', () => {
    expect(offline(every15(NOW - 3 * 60 * MINUTE, NOW - 45 * MINUTE)).verdict).toBe('hold');
    expect(offline(every15(NOW - 3 * 60 * MINUTE, NOW - 60 * MINUTE)).verdict).toBe('hold');
  });

  it('clears on the next reading, naming the silence that ended', () => {
    const times = [...every15(NOW - 10 * 60 * MINUTE, silentSince), NOW - 10 * MINUTE];
    expect(offline(times)).toMatchObject({ verdict: 'clear', window: '2026-10-01T07:00:00.000Z' });
  });

  it('sees only device time before asOf: a backtest before the recovery raises', () => {
    const times = [...every15(NOW - 10 * 60 * MINUTE, silentSince), NOW - 10 * MINUTE];
    expect(offline(times, NOW - 20 * MINUTE).verdict).toBe('raise');
  });

  it('clears a silence that a late block filled afterwards, naming the silence as it was seen', () => {
    // A gateway held 07:15 … 11:45 and delivered the block at 11:50: live saw a silence from 07:00.
    const times = every15(NOW - 10 * 60 * MINUTE, NOW - 15 * MINUTE);
    const block = (t: number) => (t > silentSince ? NOW - 10 * MINUTE : t + 500);
    expect(offline(times, NOW, block)).toMatchObject({ verdict: 'clear', window: '2026-10-01T07:00:00.000Z' });
    // A backfill of days delivered within a minute is no seen silence.
    const backfill = (t: number) => NOW - 60_000 + (t - (NOW - 10 * 60 * MINUTE)) / 1000;
    expect(offline(times, NOW, backfill)).toMatchObject({ verdict: 'clear', window: '2026-10-01T11:45:00.000Z' });
  });

  it('a meter that never reported is not offline', () => {
    expect(offline([]).verdict).toBe('hold');
  });
});
