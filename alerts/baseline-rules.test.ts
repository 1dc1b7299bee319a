import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbAccountingStore, createFleetView } from '../accounting/index.js';
import { fleetSchema, readFactorCatalogue } from '../config/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../src/platform/duckdb/index.js';
import { localParts, parseIsoInstant, type Reading } from '../src/kernel/index.js';
import { createBaselineRules, createMeterBaselineQuery, createWorkingCalendar } from './index.js';
import { createHourlyConsumptionMemo, hourlyConsumption } from './hourly-consumption.js';
import { baselineSettingsSchema } from './settings/baseline-settings.js';

// The baseline family through real (in-memory) DuckDB stores holding readings written here, read
// through accounting's hourly consumption as the live service reads it.
const TZ = 'Asia/Shanghai';
const STEP_MS = 15 * 60_000;
const at = (iso: string): number => parseIsoInstant(iso) as number;
const cn = createWorkingCalendar({});

const fleet = fleetSchema.parse({
  orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
  institutions: [
    {
      id: 'gov',
      name: '机关',
      org: 'nx',
      type: 'government_office',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 500 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'gov', name: '主楼' }],
  meters: [
    { id: 'e1', building: 'b1', carrier: 'electricity', unit: 'kWh', ratedMaxPerHour: 200 },
    { id: 'w1', building: 'b1', carrier: 'water', unit: 'm3', ratedMaxPerHour: 50 },
  ],
});

/** 20 kWh/h in the working hours of the official calendar's working days, 5 kWh/h otherwise; lit on 13 October. */
function electricity(t: number): number {
  const p = localParts(t, TZ);
  const open = cn.dayOf(p.dateKey).working && p.hour >= 8 && p.hour < 18;
  const litNight = t >= at('2026-10-13T19:00:00+08:00') && t < at('2026-10-13T23:00:00+08:00');
  return (open ? 20 : 5) + (litNight ? 30 : 0) + 0.3 * Math.sin(t / 3_600_000);
}

function readings(meterId: string, perHour: (t: number) => number, fromMs: number, toMs: number): Reading[] {
  const out: Reading[] = [];
  let value = 1_000;
  for (let t = fromMs, seq = 0; t < toMs; t += STEP_MS, seq++) {
    // The quarter hour ending at t.
    value += perHour(t - STEP_MS) / 4;
    out.push({ meterId, tsMs: t, value, seq, receivedAtMs: t + 500, quality: 'ok' });
  }
  return out;
}

const FROM = at('2026-08-25T00:00:00+08:00');
const TO = at('2026-10-15T00:00:00+08:00');
const all = [...readings('e1', electricity, FROM, TO), ...readings('w1', () => 1, FROM, TO)];
const CUT = at('2026-10-13T21:00:00+08:00');

const settings = baselineSettingsSchema.parse({});
const catalogue = readFactorCatalogue();

async function duckDb(rows: readonly Reading[]) {
  const client: DuckDbClient = createDuckDbClient({ path: ':memory:' });
  const writer: ReadingStore = createDuckDbReadingStore(client);
  await writer.init();
  await writer.write(rows, []);
  const store = createDuckDbAccountingStore(client);
  return {
    deps: { store, fleet: createFleetView(fleet), catalogue },
    writer,
    async close() {
      await writer.close();
      await client.close();
    },
  };
}

let full: Awaited<ReturnType<typeof duckDb>>;
let untilCut: Awaited<ReturnType<typeof duckDb>>;
beforeAll(async () => {
  full = await duckDb(all);
  untilCut = await duckDb(all.filter((r) => r.tsMs < CUT));
});
afterAll(async () => {
  await full?.close();
  await untilCut?.close();
});

describe('createBaselineRules on DuckDB', () => {
  it('raises the lit night as an anomaly and as off-hours waste with its CO2 at the grid factor', async () => {
    const family = createBaselineRules(full.deps, settings);
    expect(family.rules).toEqual(['baseline_anomaly', 'off_hours_waste']);
    const findings = await family.evaluate(at('2026-10-13T23:10:00+08:00'));
    const e1 = findings.filter((f) => f.subject.id === 'e1');
    expect(e1.find((f) => f.rule === 'baseline_anomaly')).toMatchObject({
      verdict: 'raise',
      window: '2026-10-13',
      sinceMs: at('2026-10-13T19:00:00+08:00'),
    });
    const waste = e1.find((f) => f.rule === 'off_hours_waste' && f.window === '2026-10-13');
    expect(waste?.verdict).toBe('raise');
    const details = waste?.details as { wasteAmount: number; co2Kg: number; co2KgPerUnit: number; co2FactorId: string };
    expect(details.wasteAmount).toBeCloseTo(120, -1);
    // The carbon report's factor: the 西北 grid's location-based factor in kg CO2 per kWh.
    expect(details.co2FactorId).toMatch(/northwest/);
    expect(details.co2KgPerUnit).toBeGreaterThan(0.4);
    expect(details.co2KgPerUnit).toBeLessThan(0.8);
    expect(details.co2Kg).toBeCloseTo(details.wasteAmount * details.co2KgPerUnit, 2);
    // The steady water meter: judged, nothing raised; water has no CO2 factor, and says why.
    const w1 = findings.filter((f) => f.subject.id === 'w1');
    expect(w1.find((f) => f.rule === 'baseline_anomaly')?.verdict).toBe('clear');
    expect(w1.every((f) => f.verdict !== 'raise')).toBe(true);
    expect(w1.find((f) => f.rule === 'off_hours_waste')?.details['co2Note']).toMatch(/water/);
  });

  it('reads only readings before the instant: the same findings as a store that holds nothing later', async () => {
    const fromFull = await createBaselineRules(full.deps, settings).evaluate(CUT);
    const fromCut = await createBaselineRules(untilCut.deps, settings).evaluate(CUT);
    expect(fromFull).toEqual(fromCut);
    // 19:00–20:00 is the first lit hour; 20:00–21:00 waits for the reading at 21:00, not before the instant.
    const anomaly = fromFull.find((f) => f.subject.id === 'e1' && f.rule === 'baseline_anomaly');
    expect(anomaly).toMatchObject({ verdict: 'hold', details: { outsideRun: 1 } });
    expect((anomaly?.details['lastHour'] as { hour: number }).hour).toBe(19);
  });

  it('does not fire through the National Day holiday, and would with a Monday–Friday calendar', async () => {
    const instants = ['2026-10-01T20:00:00+08:00', '2026-10-10T20:00:00+08:00'].map(at);
    const weekdays = baselineSettingsSchema.parse({ calendar: 'weekdays' });
    for (const asOfMs of instants) {
      const cnFindings = await createBaselineRules(full.deps, settings).evaluate(asOfMs);
      expect(cnFindings.filter((f) => f.verdict === 'raise')).toEqual([]);
      const plain = await createBaselineRules(full.deps, weekdays).evaluate(asOfMs);
      expect(plain.find((f) => f.subject.id === 'e1' && f.rule === 'baseline_anomaly')?.verdict).toBe('raise');
    }
  });
});

describe('createMeterBaselineQuery on DuckDB', () => {
  it('shows the learned profile, the day kinds and the verdicts', async () => {
    const view = await createMeterBaselineQuery(full.deps, settings)('e1', at('2026-10-10T12:30:00+08:00'));
    expect(view).toMatchObject({ status: 'ok', reason: null, unit: 'kWh', timeZone: TZ });
    expect(view.learning.weeks).toBe(4);
    expect(view.days.find((d) => d.date === '2026-10-01')?.kind).toBe('public_holiday');
    expect(view.days.find((d) => d.date === '2026-10-10')?.kind).toBe('makeup_working_day');
    const tenOClock = view.profile.find((b) => b.key === 'working_hour:10');
    expect(tenOClock?.median).toBeCloseTo(20, 0);
    expect(view.profile.find((b) => b.key === 'non_working_hour:10')?.median).toBeCloseTo(5, 0);
  });

  it('says why a meter with too little history is not judged', async () => {
    const view = await createMeterBaselineQuery(full.deps, settings)('e1', at('2026-08-29T12:00:00+08:00'));
    expect(view.status).toBe('insufficient_history');
    expect(view.reason).toMatch(/needed/);
    expect(view.findings).toEqual([]);
  });
});

describe('hourly consumption memo', () => {
  it('reuses closed chunks until a late reading arrives, then gives exactly the figures computed without it', async () => {
    const lateAt = at('2026-09-10T12:00:00+08:00');
    const isLate = (r: Reading) => r.meterId === 'e1' && r.tsMs === lateAt;
    const late = all.find(isLate) as Reading;
    const db = await duckDb(all.filter((r) => !isLate(r)));
    try {
      let segmentQueries: string[][] = [];
      const counted = {
        ...db.deps.store,
        registerSegments: (q: Parameters<typeof db.deps.store.registerSegments>[0]) => {
          segmentQueries.push([...q.meterIds]);
          return db.deps.store.registerSegments(q);
        },
      };
      const meters = createFleetView(fleet).fleet.meters;
      const range = [at('2026-09-01T00:00:00+08:00'), at('2026-10-13T00:00:00+08:00')] as const;
      const memo = createHourlyConsumptionMemo();
      const ask = (withMemo: boolean) => hourlyConsumption(counted, meters, ...range, TZ, withMemo ? memo : undefined);

      const first = await ask(true);
      expect(first).toEqual(await ask(false));
      const missing = first.get('e1')?.find((h) => h.startMs === lateAt - 3_600_000);
      expect(missing?.consumption).toBeNull();
      segmentQueries = [];
      expect(await ask(true)).toEqual(first);
      expect(segmentQueries).toEqual([]);

      await db.writer.write([{ ...late, receivedAtMs: at('2026-10-13T09:00:00+08:00') }], []);
      segmentQueries = [];
      const afterLate = await ask(true);
      // Only e1 is computed again, in both chunks: the second's edge window reaches back over the late reading.
      expect(segmentQueries).toEqual([['e1'], ['e1']]);
      expect(afterLate).toEqual(await ask(false));
      expect(afterLate).not.toEqual(first);
      expect(afterLate.get('e1')?.find((h) => h.startMs === lateAt - 3_600_000)?.consumption).toBeGreaterThan(0);
      expect(afterLate.get('w1')).toEqual(first.get('w1'));
    } finally {
      await db.close();
    }
  }, 120_000);
});
