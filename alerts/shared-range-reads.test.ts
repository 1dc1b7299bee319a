import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDuckDbAccountingStore,
  createFleetView,
  type AccountingStore,
  type RawReadingQuery,
} from '../accounting/index.js';
import { fleetSchema } from '../config/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../src/platform/duckdb/index.js';
import { parseIsoInstant, type Reading } from '../src/kernel/index.js';
import { baselineWindow } from './core/baseline-analysis.js';
import { baselineParams } from './baseline-rules.js';
import { createHourlyConsumptionMemo, hourlyConsumption } from './hourly-consumption.js';
import { baselineSettingsSchema } from './settings/baseline-settings.js';
import { withSharedRangeReads, type MeterReadings } from './shared-range-reads.js';

// The raw reads of a pass that share one range, answered by one multi-meter read, against the store's own
// per-meter answers (a store without a batch of its own, as QuestDB's is), on a real in-memory DuckDB.
const TZ = 'Asia/Shanghai';
const STEP_MS = 15 * 60_000;
const at = (iso: string): number => parseIsoInstant(iso) as number;

const fleet = fleetSchema.parse({
  orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
  institutions: [
    {
      id: 'gov',
      name: '机关',
      org: 'nx',
      type: 'government_office',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 500 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'gov', name: '主楼' }],
  meters: [
    { id: 'e1', building: 'b1', carrier: 'electricity', unit: 'kWh', ratedMaxPerHour: 200 },
    { id: 'e2', building: 'b1', carrier: 'electricity', unit: 'kWh' },
    { id: 'w1', building: 'b1', carrier: 'water', unit: 'm3', ratedMaxPerHour: 50 },
  ],
});
const meters = createFleetView(fleet).fleet.meters;

const MIDNIGHT = at('2026-10-14T00:00:00+08:00');
const AS_OF = at('2026-10-14T10:15:00+08:00');
/** e2 stores a second, lower value at 00:30 (a conflict): a limit can end inside that instant's values. */
const CONFLICT = at('2026-10-14T00:30:00+08:00');

function series(meterId: string, fromMs: number, toMs: number): Reading[] {
  const out: Reading[] = [];
  let value = 1_000;
  for (let t = fromMs, seq = 0; t < toMs; t += STEP_MS, seq++) {
    const hour = new Date(t).getUTCHours();
    value += (meterId === 'w1' ? 0.2 : 1) * (hour >= 0 && hour < 10 ? 5 : 1.25);
    out.push({ meterId, tsMs: t, value, seq, receivedAtMs: t + 500, quality: 'ok' });
    if (meterId === 'e2' && t === CONFLICT)
      out.push({ meterId, tsMs: t, value: value - 0.5, seq, receivedAtMs: t + 900, quality: 'ok' });
  }
  return out;
}

let client: DuckDbClient;
let writer: ReadingStore;
let duck: AccountingStore;
beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  writer = createDuckDbReadingStore(client);
  await writer.init();
  duck = createDuckDbAccountingStore(client);
  const fromMs = at('2026-08-20T00:00:00+08:00');
  await writer.write(
    meters.flatMap((m) => series(m.id, fromMs, AS_OF)),
    [],
  );
});
afterAll(async () => {
  await writer?.close();
  await client?.close();
});

/** The DuckDB store without its batch (as QuestDB's), counting its per-meter reads; and ingest's read, counted. */
function counted() {
  const calls = { readings: 0, readingsOfMeters: 0 };
  const { readingsBatch: _batch, ...rest } = duck;
  const store: AccountingStore = {
    ...rest,
    readings: (q) => {
      calls.readings++;
      return duck.readings(q);
    },
  };
  const readings: MeterReadings = {
    readingsOfMeters: (q) => {
      calls.readingsOfMeters++;
      return writer.readingsOfMeters(q);
    },
  };
  return { calls, store, readings };
}

describe('withSharedRangeReads', () => {
  it("answers each query as the store's own per-meter read, shared ranges in one request", async () => {
    const { calls, store, readings } = counted();
    const shared = withSharedRangeReads(store, readings);
    const queries: RawReadingQuery[] = [
      // The look-ahead past midnight: one range and limit for every meter; the limits end before, inside and
      // after e2's conflict (two readings before 00:30, two values at it).
      ...[2, 3, 4, 1_000].flatMap((limit) =>
        meters.map((m) => ({ meterId: m.id, fromMs: MIDNIGHT, toMs: AS_OF, limit })),
      ),
      // A range longer than a day stays a per-meter read (it stops at its limit), as does a range of one meter.
      ...meters.map((m) => ({ meterId: m.id, fromMs: MIDNIGHT - 5 * 86_400_000, toMs: AS_OF, limit: 3 })),
      { meterId: 'e1', fromMs: MIDNIGHT + 3_600_000, toMs: AS_OF, limit: 2 },
    ];
    const expected = await Promise.all(queries.map((q) => duck.readings(q)));
    const answers = await shared.readingsBatch?.(queries);
    expect(answers).toEqual(expected);
    // e2 at limit 3: the lower of the two values at 00:30 only, as the store's own read keeps it.
    const cutInside = answers?.[1 * meters.length + 1] ?? [];
    expect(cutInside.map((r) => r.tsMs)).toEqual([MIDNIGHT, MIDNIGHT + STEP_MS, CONFLICT]);
    expect(cutInside[2]?.value).toBeLessThan((answers?.[2 * meters.length + 1]?.[3]?.value ?? 0) as number);
    expect(calls).toEqual({ readings: meters.length + 1, readingsOfMeters: 4 });
  });

  it('gives the baselines the same hourly figures with the look-ahead in one request', async () => {
    const params = baselineParams(baselineSettingsSchema.parse({}));
    const { dataFromMs, judgedToMs } = baselineWindow(AS_OF, TZ, params);
    const perMeter = counted();
    const viaStore = await hourlyConsumption(
      perMeter.store,
      meters,
      dataFromMs,
      judgedToMs,
      TZ,
      createHourlyConsumptionMemo(),
    );
    const together = counted();
    const viaShared = await hourlyConsumption(
      withSharedRangeReads(together.store, together.readings),
      meters,
      dataFromMs,
      judgedToMs,
      TZ,
      createHourlyConsumptionMemo(),
    );
    const fresh = await hourlyConsumption(duck, meters, dataFromMs, judgedToMs, TZ);
    expect(viaShared).toEqual(fresh);
    expect(viaStore).toEqual(fresh);
    // Without the shared read each meter's look-ahead is a request of its own.
    expect(perMeter.calls.readings - together.calls.readings).toBeGreaterThanOrEqual(meters.length);
    expect(together.calls.readingsOfMeters).toBeGreaterThanOrEqual(1);
  });

  it('leaves a store with its own batch as it is', () => {
    const { readings } = counted();
    expect(withSharedRangeReads(duck, readings)).toBe(duck);
  });
});
