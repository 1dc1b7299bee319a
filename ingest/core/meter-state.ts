import { MINUTE_MS } from '../../src/kernel/index.js';

export const METER_REPORTING_STATES = ['reporting', 'late', 'never_reported'] as const;
export type MeterReportingState = (typeof METER_REPORTING_STATES)[number];

/**
 * Whether a meter reports on time. A meter is late once two expected intervals
 * have passed since its last reading: one missed reading is routine (a retry, a
 * gateway batching), two in a row is worth a look.
 */
export function meterReportingState(
  lastTsMs: number | undefined,
  expectedIntervalMinutes: number,
  nowMs: number,
): MeterReportingState {
  if (lastTsMs === undefined) return 'never_reported';
  const lateAfterMs = 2 * expectedIntervalMinutes * MINUTE_MS;
  return nowMs - lastTsMs > lateAfterMs ? 'late' : 'reporting';
}
