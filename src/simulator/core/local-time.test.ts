import { describe, expect, it } from 'vitest';
import { formatLocalIso, localParts } from './local-time.js';
import { sunElevationSin } from './weather.js';

describe('local time in the institution zone', () => {
  it('cuts the day at local midnight, not UTC', () => {
    // 2026-10-01T16:30Z is 00:30 on 2 October in Shanghai.
    const p = localParts(Date.parse('2026-10-01T16:30:00Z'), 'Asia/Shanghai');
    expect(p.dateKey).toBe('2026-10-02');
    expect(p.hour).toBe(0.5);
    expect(p.weekday).toBe(5);
    expect(p.midnightMs).toBe(Date.parse('2026-10-01T16:00:00Z'));
    expect(p.dayOfYear).toBe(275);
  });

  it('formats with and without the offset, milliseconds only when present', () => {
    const ts = Date.parse('2026-10-01T00:15:00Z');
    expect(formatLocalIso(ts, 'Asia/Shanghai', true)).toBe('2026-10-01T08:15:00+08:00');
    expect(formatLocalIso(ts, 'Asia/Shanghai', false)).toBe('2026-10-01T08:15:00');
    expect(formatLocalIso(ts + 5, 'Asia/Shanghai', true)).toBe('2026-10-01T08:15:00.005+08:00');
    expect(formatLocalIso(ts, 'America/New_York', true)).toBe('2026-09-30T20:15:00-04:00');
    expect(Date.parse(formatLocalIso(ts, 'Asia/Shanghai', true))).toBe(ts);
  });
});

describe('sun over Yinchuan', () => {
  it('is up at local noon and down at local midnight, and higher in June than in December', () => {
    const at = (iso: string) => sunElevationSin(Date.parse(iso));
    expect(at('2026-06-21T12:55:00+08:00')).toBeGreaterThan(0.95);
    expect(at('2026-12-21T12:55:00+08:00')).toBeGreaterThan(0.4);
    expect(at('2026-12-21T12:55:00+08:00')).toBeLessThan(0.5);
    expect(at('2026-06-21T00:00:00+08:00')).toBeLessThan(0);
    // Sunrise in Yinchuan is about 05:50 in June and 08:10 in December (local, UTC+8).
    expect(at('2026-06-21T05:30:00+08:00')).toBeLessThan(0);
    expect(at('2026-06-21T06:15:00+08:00')).toBeGreaterThan(0);
    expect(at('2026-12-21T07:50:00+08:00')).toBeLessThan(0);
    expect(at('2026-12-21T08:40:00+08:00')).toBeGreaterThan(0);
  });
});
