import { createFleetView } from '../../accounting/index.js';
import type { RuleFamily } from '../../alerts/index.js';
import { fleetSchema } from '../../config/index.js';
import { finding, scriptedFamily, silenceFamily, thresholdFamily } from './fake-rule-families.js';

/**
 * The lifecycle's backtest fixture: two days of history (from 2026-11-01T00:00Z)
 * told by fake families whose verdicts are functions of the instant, and the
 * alerts a person listed by hand from that story (BACKTEST_EXPECTED). The
 * integrator adds the real families' fixture beside it.
 */
export const BACKTEST_FROM_MS = Date.UTC(2026, 10, 1);
export const BACKTEST_TO_MS = BACKTEST_FROM_MS + 48 * 3_600_000;
const HOUR = 3_600_000;
const at = (hours: number) => BACKTEST_FROM_MS + hours * HOUR;

const DATED = [{ from: '2020-01-01', value: 1_000 }];

export const backtestFleet = fleetSchema.parse({
  orgs: [
    { id: 'nx', name: '宁夏回族自治区', level: 'region' },
    { id: 'nx-a', name: '甲市', level: 'city', parent: 'nx' },
    { id: 'nx-b', name: '乙市', level: 'city', parent: 'nx' },
  ],
  institutions: [
    { id: 'inst1', name: '甲市机关', org: 'nx-a', type: 'government_office', floorAreaM2: DATED, occupants: DATED },
    { id: 'inst2', name: '乙市学校', org: 'nx-b', type: 'school', floorAreaM2: DATED, occupants: DATED },
  ],
  buildings: [
    { id: 'b1', institution: 'inst1', name: '主楼' },
    { id: 'b2', institution: 'inst2', name: '教学楼' },
  ],
  meters: [
    { id: 'm1', building: 'b1', carrier: 'electricity', unit: 'kWh' },
    { id: 'm2', building: 'b1', carrier: 'electricity', unit: 'kWh' },
    { id: 'm3', building: 'b2', carrier: 'electricity', unit: 'kWh' },
  ],
});
export const backtestScope = createFleetView(backtestFleet);

/** inst1's projected share of its annual quota, per hour: over 80 % at 04:00, under 75 % from 08:00, 85 % at 30:00. */
const PROJECTION_PERCENT = (hour: number) =>
  hour === 30 ? 85 : (({ 4: 81, 5: 79, 6: 80.5, 7: 76 } as Record<number, number>)[hour] ?? 70);

export function backtestFamilies(): RuleFamily[] {
  return [
    thresholdFamily({
      name: 'quotas',
      rule: 'quota_projection',
      subject: { kind: 'institution', id: 'inst1' },
      window: (asOfMs) => String(new Date(asOfMs).getUTCFullYear()),
      value: (asOfMs) => PROJECTION_PERCENT(Math.floor((asOfMs - BACKTEST_FROM_MS) / HOUR)),
      raiseAt: 80,
      clearBelow: 75,
    }),
    silenceFamily({
      name: 'health',
      meterIds: ['m1', 'm2', 'm3'],
      afterMs: 2 * HOUR,
      silences: [
        { meterId: 'm1', startMs: at(5.5), endMs: at(9 + 1 / 6) },
        { meterId: 'm1', startMs: at(20), endMs: at(30) },
        { meterId: 'm3', startMs: at(1), endMs: at(40) },
      ],
    }),
    // A sequence gap seen from 12:00 to 14:00 on m2; its alerts wait for a person (it does not resolve itself).
    scriptedFamily('gaps', ['sequence_gap'], (asOfMs) =>
      asOfMs >= at(12) && asOfMs <= at(14)
        ? [finding('sequence_gap', { kind: 'meter', id: 'm2' }, '2026-11-01', 'raise')]
        : [finding('sequence_gap', { kind: 'meter', id: 'm2' }, '2026-11-01', 'clear')],
    ),
  ];
}

export interface ExpectedAlert {
  readonly rule: string;
  readonly subject: string;
  readonly window: string;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
}

/** By hand, from the story above: for org nx-a (inst1's subjects), every rule, in opening order. */
export const BACKTEST_EXPECTED: readonly ExpectedAlert[] = [
  // 81 % at 04:00 raises; 79, 80.5, 76 are in the band or above (no second alert); 74 at 08:00 clears.
  // 85 % at 30:00 is the same window (2026): that alert ended, none opens again this year.
  {
    rule: 'quota_projection',
    subject: 'inst1',
    window: '2026',
    openedAt: '2026-11-01T04:00:00.000Z',
    resolvedAt: '2026-11-01T08:00:00.000Z',
  },
  // Silent from 05:30: 2.5 h at 08:00 (over 2 h); reporting again at 10:00.
  {
    rule: 'meter_offline',
    subject: 'm1',
    window: '2026-11-01T05:30:00.000Z',
    openedAt: '2026-11-01T08:00:00.000Z',
    resolvedAt: '2026-11-01T10:00:00.000Z',
  },
  {
    rule: 'sequence_gap',
    subject: 'm2',
    window: '2026-11-01',
    openedAt: '2026-11-01T12:00:00.000Z',
    resolvedAt: null,
  },
  // Silent from 20:00: exactly 2 h at 22:00 raises; back at 30:00 (06:00 the next day).
  {
    rule: 'meter_offline',
    subject: 'm1',
    window: '2026-11-01T20:00:00.000Z',
    openedAt: '2026-11-01T22:00:00.000Z',
    resolvedAt: '2026-11-02T06:00:00.000Z',
  },
];

/** m3 (inst2, org nx-b), silent from 01:00 to 40:00: in a backtest of nx, not of nx-a. */
export const BACKTEST_EXPECTED_NX_B: ExpectedAlert = {
  rule: 'meter_offline',
  subject: 'm3',
  window: '2026-11-01T01:00:00.000Z',
  openedAt: '2026-11-01T03:00:00.000Z',
  resolvedAt: '2026-11-02T16:00:00.000Z',
};

export function asExpected(alert: {
  readonly rule: string;
  readonly subject: { readonly id: string };
  readonly window: string;
  readonly openedAtMs: number;
  readonly resolved?: { readonly atMs: number } | undefined;
}): ExpectedAlert {
  return {
    rule: alert.rule,
    subject: alert.subject.id,
    window: alert.window,
    openedAt: new Date(alert.openedAtMs).toISOString(),
    resolvedAt: alert.resolved === undefined ? null : new Date(alert.resolved.atMs).toISOString(),
  };
}
