import { describe, expect, it } from 'vitest';
import { meterReportingState } from './meter-state.js';

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
});
