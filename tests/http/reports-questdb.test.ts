import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { createService, type ServiceHandle } from '../support/service.js';

// The carbon report over HTTP with the production store: the service as a child process on QuestDB, readings
// written into QuestDB by the test, the monthly and the annual report fetched from the service. The fleet has
// more meters than accounting/adapters/questdb-accounting-store.ts asks about in one query
// (EDGE_INSTANTS_PER_QUERY = 100 instants: each meter reports a second after the one before, so the edges of a
// period are METERS distinct instants), and the readings span more days than questdb-day-rollup.ts inserts at
// once (STATE_ROWS_PER_INSERT = 40), so the report's store queries are chunked. Every expected figure is worked
// out here from the registers written and the factors in config/factors.yaml.

const METERS = 120;
const HOUR_MS = 3_600_000;
const STEP_MS = 6 * HOUR_MS;
/** Local midnight (Asia/Shanghai) of 20 August 2025, 51 days before the last reading. */
const FIRST_MS = Date.parse('2025-08-20T00:00:00+08:00');
const DAYS = 51;
const STEPS = (DAYS * 24 * HOUR_MS) / STEP_MS; // the last reading is at 10 October local midnight
/** kWh per hour of meter i: 0.5, 1, 1.5, … */
const rateOf = (i: number) => (i + 1) * 0.5;
const SUM_OF_RATES = 0.5 * ((METERS * (METERS + 1)) / 2); // 3 630 kWh/h
const COAL_KGCE_PER_KWH = 0.1229; // gbt2589-electricity-equivalent
const GRID_KG_PER_KWH = 0.5543; // mee-grid-2023-northwest, the latest year, applied until superseded

const meterId = (i: number) => `q${String(i).padStart(3, '0')}`;

function fleet() {
  return {
    orgs: [
      { id: 'nx', name: '宁夏回族自治区', level: 'region' },
      { id: 'nx-a', name: '甲市', level: 'city', parent: 'nx' },
    ],
    institutions: [0, 1].map((k) => ({
      id: `inst${k}`,
      name: `机关${k}`,
      org: 'nx-a',
      type: 'government_office',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 500 }],
    })),
    buildings: [0, 1].map((k) => ({ id: `b${k}`, institution: `inst${k}`, name: `楼${k}` })),
    // Even meters in the first institution, odd ones in the second.
    meters: Array.from({ length: METERS }, (_, i) => ({
      id: meterId(i),
      building: `b${i % 2}`,
      carrier: 'electricity',
      unit: 'kWh',
      expectedIntervalMinutes: STEP_MS / 60_000,
    })),
  };
}

/** Meter i's readings: every 6 h from FIRST_MS + i s, its register rising at rateOf(i) kWh/h. */
function readingsOf(i: number): Reading[] {
  return Array.from({ length: STEPS + 1 }, (_, k) => {
    const tsMs = FIRST_MS + k * STEP_MS + i * 1000;
    return {
      meterId: meterId(i),
      tsMs,
      value: 1000 * i + (rateOf(i) * (tsMs - FIRST_MS)) / HOUR_MS,
      seq: k,
      receivedAtMs: tsMs + 500,
      quality: 'ok' as const,
    };
  });
}

/**
 * Second, lower values stored at the instants next to September's edges of the last meter, whose edge instants
 * are past the first 100 (the second chunk). The engine books the highest value stored at an instant
 * (docs/methodology.md), so the figures stay as worked out above; read from the first chunk alone, the edges
 * of this meter could take the lower value.
 */
const LAST = METERS - 1;
const EDGE_STEPS = [47, 48, 167, 168]; // just before and after 1 September and 1 October, local midnight
function lowerDuplicates(): Reading[] {
  const all = readingsOf(LAST);
  return EDGE_STEPS.map((k) => all[k]).flatMap((r) =>
    r ? [{ ...r, value: r.value - 100, receivedAtMs: r.receivedAtMs + 1 }] : [],
  );
}

let dir: string;
let mosquitto: MosquittoHandle;
let questdb: QuestDbHandle;
let service: ServiceHandle;
let store: ReadingStore;

beforeAll(async () => {
  dir = await makeTempDir('reports-questdb-');
  mosquitto = await startMosquitto();
  questdb = await startQuestDb({ startTimeoutMs: 180_000 });
  service = await createService({
    dir,
    mqttUrl: mosquitto.url,
    store: { kind: 'questdb', questdbUrl: questdb.url },
    fleet: fleet(),
    readyTimeoutMs: 180_000,
  });
  await service.start();
  store = createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 }));
  await store.init();
  for (let i = 0; i < METERS; i += 20) {
    await store.write(Array.from({ length: 20 }, (_, j) => readingsOf(i + j)).flat(), []);
  }
  await store.write(lowerDuplicates(), []);
  await store.sync();
  expect((await store.counts()).readings).toBe(METERS * (STEPS + 1) + EDGE_STEPS.length);
}, 300_000);
afterAll(async () => {
  await service?.stop();
  await store?.close();
  await mosquitto?.dispose();
  await questdb?.dispose();
  if (dir) await removeTempDir(dir);
});

interface Report {
  period: { label: string; from: string; to: string };
  institutionCount: number;
  lines: { carrier: string; method: string; consumption: number; meterIds: string[] }[];
  totals: { kgce: number; tce: number; co2eKg: number; scope1Kg: number; scope2LocationKg: number };
  children: { org: { id: string }; totals: { kgce: number } }[];
}

const report = async (query: string): Promise<Report> => {
  const response = await service.fetch(`/api/v1/reports/carbon?${query}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Report;
};

/** Equal to within a part in 10⁹ (the engine sums 120 meters' floating-point differences). */
const expectClose = (actual: number | undefined, expected: number) =>
  expect(Math.abs((actual ?? NaN) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-9);

describe('carbon reports over HTTP on QuestDB, with chunked store queries', () => {
  it('the month: every meter, September 2025 is 720 h of each register', async () => {
    const month = await report('org=nx&period=2025-09');
    expect(month.period).toEqual({
      label: '2025-09',
      from: '2025-08-31T16:00:00.000Z',
      to: '2025-09-30T16:00:00.000Z',
    });
    expect(month.institutionCount).toBe(2);
    const location = month.lines.filter((l) => l.method === 'location');
    expect(location.map((l) => l.carrier)).toEqual(['electricity']);
    expect(location[0]?.meterIds.length).toBe(METERS);
    // Every register rises linearly, so each meter's month is its rate × 720 h, however the readings fall
    // about the month's edges.
    const kwh = SUM_OF_RATES * 30 * 24;
    expectClose(location[0]?.consumption, kwh);
    expectClose(month.totals.kgce, kwh * COAL_KGCE_PER_KWH);
    expectClose(month.totals.tce, (kwh * COAL_KGCE_PER_KWH) / 1000);
    expectClose(month.totals.scope2LocationKg, kwh * GRID_KG_PER_KWH);
    expectClose(month.totals.co2eKg, kwh * GRID_KG_PER_KWH);
    expect(month.totals.scope1Kg).toBe(0);
    // The children: inst0 has the even meters (rates 0.5, 1.5, …), inst1 the odd ones.
    const evenRates = Array.from({ length: METERS / 2 }, (_, k) => rateOf(2 * k)).reduce((a, b) => a + b, 0);
    const [child0] = (await report('org=nx-a&period=2025-09')).children.filter((c) => c.org.id === 'inst0');
    expectClose(child0?.totals.kgce, evenRates * 720 * COAL_KGCE_PER_KWH);
  });

  it('the year: 2025 holds the 51 days from the first reading to the last', async () => {
    const year = await report('org=nx&period=2025');
    expect(year.period.label).toBe('2025');
    const kwh = SUM_OF_RATES * DAYS * 24;
    const location = year.lines.filter((l) => l.method === 'location');
    expectClose(location[0]?.consumption, kwh);
    expectClose(year.totals.kgce, kwh * COAL_KGCE_PER_KWH);
    expectClose(year.totals.co2eKg, kwh * GRID_KG_PER_KWH);
    // The month again, now that the year's roll-up is in place: the same figures.
    expectClose((await report('org=nx&period=2025-09')).totals.kgce, SUM_OF_RATES * 720 * COAL_KGCE_PER_KWH);
  });
});
