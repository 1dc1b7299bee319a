import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDuckDbAccountingStore, createFleetView, METHODOLOGY_VERSION } from '../../accounting/index.js';
import {
  alertSettingsSchema,
  createBacktest,
  createBaselineRules,
  createMeterHealthRules,
  createQuotaRules,
} from '../../alerts/index.js';
import { fleetSchema, readFactorCatalogue } from '../../config/index.js';
import { createDuckDbReadingStore } from '../../ingest/index.js';
import type { QuarantineRecord, Reading } from '../../src/kernel/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import { asExpected, type ExpectedAlert } from '../support/backtest-fixture.js';

// Issue 8, "Done when": a backtest with the REAL rule families (health, quotas, baseline) over a
// fixture's history yields exactly the alerts a hand-made list expects, each at the expected time.
// Every one of the twelve rule kinds, each story on its own meter (the quotas on one). The history and the reasoning behind every expected alert: tests/fixtures/backtest-real.md.
const HOUR_MS = 3_600_000;
const DAY = Date.UTC(2026, 10, 10); // D = 2026-11-10T00:00Z (08:00 in Asia/Shanghai)
const HISTORY_FROM_MS = DAY - 5 * 24 * HOUR_MS; // 2026-11-05T00:00Z
/** o1's history is longer: the baseline rules judge a meter only after 7 local days with measured hours. */
const O1_FROM_MS = DAY - 11 * 24 * HOUR_MS; // 2026-10-30T00:00Z
const HISTORY_TO_MS = DAY + 2 * 24 * HOUR_MS; // readings after the backtest, which it must not see
const at = (hours: number) => DAY + hours * HOUR_MS;

const METER_IDS = ['m1', 'm2', 'm3', 'p', 's1', 's2', 'q1', 'o1'];
const DATED = [{ from: '2020-01-01', value: 1_000 }];
const fleet = fleetSchema.parse({
  orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
  institutions: [
    {
      id: 'inst1',
      name: '测试机关',
      org: 'nx',
      type: 'government_office',
      gridRegion: 'northwest',
      floorAreaM2: DATED,
      occupants: DATED,
    },
    {
      id: 'inst2',
      name: '测试学校',
      org: 'nx',
      type: 'school',
      gridRegion: 'northwest',
      floorAreaM2: DATED,
      occupants: DATED,
    },
  ],
  buildings: [
    { id: 'b1', institution: 'inst1', name: '主楼' },
    { id: 'b2', institution: 'inst2', name: '教学楼' },
  ],
  meters: METER_IDS.map((id) => ({
    id,
    building: id === 'q1' ? 'b2' : 'b1',
    carrier: 'electricity',
    unit: 'kWh',
    ratedMaxPerHour: 100,
    expectedIntervalMinutes: 60,
    ...(id === 's1' || id === 's2' ? { parent: 'p' } : {}),
  })),
});

/** 530 kWh at the equivalent 0.1229 kgce/kWh (config/factors.yaml), in t standard coal. */
const QUOTA_TCE = (530 * 0.1229) / 1000;
const settings = alertSettingsSchema.parse({
  quotas: {
    entries: [
      {
        institution: 'inst2',
        year: 2026,
        metric: 'tce',
        carrier: 'electricity',
        value: QUOTA_TCE,
        source: { kind: 'manual', citation: 'tanhe backtest fixture' },
      },
    ],
  },
});

/** The register of each meter at an hourly instant (tests/fixtures/backtest-real.md, "History"). */
function registerAt(meterId: string, tsMs: number): number {
  const hours = (tsMs - HISTORY_FROM_MS) / HOUR_MS;
  if (meterId === 'm2') return 1_000 + 10 * hours + (tsMs >= at(12) ? 5_000 : 0);
  if (meterId === 'q1') return tsMs <= DAY ? hours : 120 + 20 * ((tsMs - DAY) / HOUR_MS);
  if (meterId === 'o1') {
    // 5 kWh/h, and 50 kWh/h over the five hours from D+10:00 (18:00–23:00 local, off hours of a working day).
    const anomalousHours = Math.min(5, Math.max(0, (tsMs - at(10)) / HOUR_MS));
    return 1_000 + 5 * ((tsMs - O1_FROM_MS) / HOUR_MS) + 45 * anomalousHours;
  }
  if (meterId === 'p') return 1_000 + 20 * hours;
  if (meterId === 's1') {
    // Stuck from D+02:00 to D+10:00 (the energy of those hours is lost), counting again after.
    const stuckAt = registerAt('m1', at(2));
    if (tsMs <= at(2)) return 1_000 + 10 * hours;
    return tsMs <= at(10) ? stuckAt : stuckAt + 10 * ((tsMs - at(10)) / HOUR_MS);
  }
  return 1_000 + 10 * hours;
}

function history(): Reading[] {
  const readings: Reading[] = [];
  for (let ts = O1_FROM_MS; ts <= HISTORY_TO_MS; ts += HOUR_MS) {
    const index = (ts - HISTORY_FROM_MS) / HOUR_MS;
    for (const meterId of METER_IDS) {
      // m1 is silent from 04:00 to 09:00 on D: its last reading before the silence is 03:00, the next 10:00.
      if (meterId === 'm1' && ts >= at(4) && ts <= at(9)) continue;
      if (meterId !== 'o1' && ts < HISTORY_FROM_MS) continue;
      readings.push({
        meterId,
        tsMs: ts,
        value: registerAt(meterId, ts),
        // m3 counts its messages; three numbers are missing before its reading at D+05:00.
        seq: meterId === 'm3' ? index + (ts >= at(5) ? 4 : 1) : null,
        // q1's reading at D+03:00 arrives at D+02:30: its clock runs 30 min ahead.
        receivedAtMs: meterId === 'q1' && ts === at(3) ? at(2.5) : ts + 30_000,
        quality: 'ok',
      });
    }
  }
  return readings;
}

/** Three payloads for m2 that ingest refused, arriving at D+18:10, 18:20 and 18:30. */
function quarantined(): QuarantineRecord[] {
  return [10, 20, 30].map((minutes) => ({
    id: `m2-bad-${minutes}`,
    receivedAtMs: at(18) + minutes * 60_000,
    topic: 'meters/m2/readings',
    meterId: 'm2',
    reason: 'schema_violation',
    detail: 'value must be a number',
    payload: '{"ts":"2026-11-10T18:00:00Z","value":"n/a"}',
  }));
}

/** By hand (tests/fixtures/backtest-real.md, "Expected"), in opening order. */
const EXPECTED: readonly ExpectedAlert[] = [
  {
    rule: 'quota_prorated',
    subject: 'inst2',
    window: '2026-11:tce_electricity:100',
    openedAt: '2026-11-10T00:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'quota_prorated',
    subject: 'inst2',
    window: '2026-11:tce_electricity:80',
    openedAt: '2026-11-10T00:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'clock_skew',
    subject: 'q1',
    window: '2026-11-10T03:00:00.000Z',
    openedAt: '2026-11-10T04:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'sequence_gap',
    subject: 'm3',
    window: '2026-11-10T05:00:00.000Z',
    openedAt: '2026-11-10T06:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'meter_offline',
    subject: 'm1',
    window: '2026-11-10T03:00:00.000Z',
    openedAt: '2026-11-10T08:00:00.000Z',
    resolvedAt: '2026-11-10T11:00:00.000Z',
  },
  {
    rule: 'stuck_register',
    subject: 's1',
    window: '2026-11-10T02:00:00.000Z',
    openedAt: '2026-11-10T09:00:00.000Z',
    resolvedAt: '2026-11-10T12:00:00.000Z',
  },
  {
    rule: 'off_hours_waste',
    subject: 'o1',
    window: '2026-11-10',
    openedAt: '2026-11-10T12:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'held_readings',
    subject: 'm2',
    window: '2026-11-10T12:00:00.000Z',
    openedAt: '2026-11-10T13:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'baseline_anomaly',
    subject: 'o1',
    window: '2026-11-10',
    openedAt: '2026-11-10T14:00:00.000Z',
    resolvedAt: '2026-11-10T19:00:00.000Z',
  },
  {
    rule: 'quota_prorated',
    subject: 'inst2',
    window: '2026:tce_electricity:80',
    openedAt: '2026-11-10T14:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'submeter_imbalance',
    subject: 'p',
    window: '2026-11-10',
    openedAt: '2026-11-10T16:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'quota_annual',
    subject: 'inst2',
    window: '2026:tce_electricity:80',
    openedAt: '2026-11-10T17:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'quota_projection',
    subject: 'inst2',
    window: '2026:tce_electricity:100',
    openedAt: '2026-11-10T18:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'quota_prorated',
    subject: 'inst2',
    window: '2026:tce_electricity:100',
    openedAt: '2026-11-10T18:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'quarantine_rate',
    subject: 'm2',
    window: '2026-11-10T18:10:00.000Z',
    openedAt: '2026-11-10T19:00:00.000Z',
    resolvedAt: null,
  },
  {
    rule: 'quota_annual',
    subject: 'inst2',
    window: '2026:tce_electricity:100',
    openedAt: '2026-11-10T22:00:00.000Z',
    resolvedAt: null,
  },
];

let client: DuckDbClient;
beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  const readings = createDuckDbReadingStore(client);
  await readings.init();
  await readings.write(history(), quarantined());
  await readings.sync();
});
afterAll(async () => {
  await client?.close();
});

it(
  'replays the real families over the fixture and yields exactly the hand-made list',
  { timeout: 180_000 },
  async () => {
    const accounting = createDuckDbAccountingStore(client);
    const view = createFleetView(fleet);
    const catalogue = readFactorCatalogue();
    // As src/wire-alerts.ts builds them for the service's backtest.
    const families = [
      createMeterHealthRules({ fleet: view, readings: createDuckDbReadingStore(client), accounting }, settings.health),
      createQuotaRules(
        { store: accounting, fleet: view, catalogue, methodologyVersion: METHODOLOGY_VERSION },
        settings.quotas,
      ),
      createBaselineRules({ store: accounting, fleet: view, catalogue }, settings.baseline),
    ];
    const backtest = createBacktest({ families, scope: view, settings: settings.lifecycle });
    const run = await backtest({ orgId: 'nx', fromMs: DAY, toMs: at(24) });
    expect(run.evaluations).toBe(24);
    expect(run.alerts.map(asExpected)).toEqual(EXPECTED);
  },
);
