import { describe, expect, it } from 'vitest';
import { sunElevationSin } from './weather.js';

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
