import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbAccountingStore, createFleetView, type AccountingStore } from '../accounting/index.js';
import { fleetSchema } from '../config/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../src/platform/duckdb/index.js';
import { parseIsoInstant, type Reading } from '../src/kernel/index.js';
import { baselineWindow } from './core/baseline-analysis.js';
import { baselineParams } from './baseline-rules.js';
import { createHourlyConsumptionMemo, hourlyConsumption, pruneMemo } from './hourly-consumption.js';
import { baselineSettingsSchema } from './settings/baseline-settings.js';

// The baseline window's last chunk cut at midnight (closed days kept for the day, today's hours per tick)
// against the one chunk, through a real (in-memory) DuckDB store fed as the live service is: every 15
// minutes the readings before the instant arrive, then the window is evaluated with and without the memo.
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
    {
      id: 'e3',
      building: 'b1',
      carrier: 'electricity',
      unit: 'kWh',
      ratedMaxPerHour: 200,
      expectedIntervalMinutes: 60,
    },
    { id: 'w1', building: 'b1', carrier: 'water', unit: 'm3', ratedMaxPerHour: 50 },
  ],
});
const meters = createFleetView(fleet).fleet.meters;

const DIP = [at('2026-10-12T23:45:00+08:00'), at('2026-10-13T00:00:00+08:00')];
const SPIKE = at('2026-10-14T00:00:00+08:00');
const JUMP = at('2026-10-14T00:30:00+08:00');
/** e2 uses three times as much from here: its bound learned before the window is lower than one learned before today. */
const BUSIER = at('2026-09-15T00:00:00+08:00');
const GAP = [at('2026-10-13T22:00:00+08:00'), at('2026-10-14T02:00:00+08:00')] as const;
const LATE = at('2026-10-05T12:00:00+08:00');

/**
 * e1: a dip across the first midnight (back up at 00:15, ignored as a transient: the cut is not exact
 * there, e1 stays on the one chunk that day). e3 (read every 15 minutes, expected hourly, so that the
 * interval across an ignored reading is no gap and its hours are measured): a spike at the second
 * midnight, contradicted only by the readings after it. e2 (unrated: a learned bound): a jump just after
 * the second midnight above the bound learned before the window (held) and below one learned before
 * today. w1: silent across the second midnight.
 */
function series(meterId: string, fromMs: number, toMs: number): Reading[] {
  const out: Reading[] = [];
  let value = 1_000;
  for (let t = fromMs, seq = 0; t < toMs; t += STEP_MS, seq++) {
    const hour = new Date(t).getUTCHours();
    const quarter = (hour >= 0 && hour < 10 ? 5 : 1.25) + 0.1 * Math.sin(t / 3_600_000);
    value += meterId === 'w1' ? 0.25 : meterId === 'e2' && t >= BUSIER ? 3 * quarter : quarter;
    if (meterId === 'e2' && t === JUMP) value += 40;
    let reported = value;
    if (meterId === 'e1' && DIP.includes(t)) reported = value - 50;
    if (meterId === 'e3' && t === SPIKE) reported = value + 5_000;
    if (meterId === 'w1' && t >= GAP[0] && t < GAP[1]) continue;
    out.push({ meterId, tsMs: t, value: reported, seq, receivedAtMs: t + 500, quality: 'ok' });
  }
  return out;
}

const FROM = at('2026-08-25T00:00:00+08:00');
const TO = at('2026-10-15T00:00:00+08:00');
const all = meters.flatMap((m) => series(m.id, FROM, TO));
const isLate = (r: Reading) => r.meterId === 'e1' && r.tsMs === LATE;

let client: DuckDbClient;
let writer: ReadingStore;
let store: AccountingStore;
beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  writer = createDuckDbReadingStore(client);
  await writer.init();
  store = createDuckDbAccountingStore(client);
});
afterAll(async () => {
  await writer?.close();
  await client?.close();
});

describe('hourly consumption cut at midnight', () => {
  it('gives the one chunk figures at every quarter hour across two midnights, a late reading included', async () => {
    const params = baselineParams(baselineSettingsSchema.parse({}));
    // The first evaluation of an hour (it meets the new hour's figures) around both midnights and after
    // the late reading, every quarter hour after the second midnight, and evaluations long after it.
    const ticks = [
      '10-12T22:15',
      '10-12T23:15',
      '10-13T00:00',
      '10-13T00:15',
      '10-13T01:15',
      '10-13T02:15',
      '10-13T10:15',
      '10-13T11:15',
      '10-13T23:15',
      '10-13T23:45',
      '10-14T00:00',
      '10-14T00:15',
      '10-14T00:30',
      '10-14T00:45',
      '10-14T01:00',
      '10-14T01:15',
      '10-14T02:15',
      '10-14T03:15',
      '10-14T04:15',
      '10-14T10:15',
      '10-14T10:30',
    ].map((t) => at(`2026-${t}:00+08:00`));
    const firstMs = ticks[0] as number;
    await writer.write(
      all.filter((r) => r.tsMs < firstMs && !isLate(r)),
      [],
    );
    const hourQueries: number[] = [];
    const counted: AccountingStore = {
      ...store,
      registerSegments: (q) => {
        if (q.bucket === 'hour') hourQueries.push(q.fromMs);
        return store.registerSegments(q);
      },
    };
    const memo = createHourlyConsumptionMemo();
    const reused: number[] = [];
    let last: Map<string, { startMs: number; consumption: number | null }[]> | undefined;
    let writtenTo = firstMs;
    for (const asOfMs of ticks) {
      await writer.write(
        all.filter((r) => r.tsMs >= writtenTo && r.tsMs < asOfMs),
        [],
      );
      writtenTo = asOfMs;
      if (asOfMs === at('2026-10-13T10:15:00+08:00')) await writer.write(all.filter(isLate), []);
      const { dataFromMs, judgedToMs } = baselineWindow(asOfMs, TZ, params);
      hourQueries.length = 0;
      const withMemo = await hourlyConsumption(counted, meters, dataFromMs, judgedToMs, TZ, memo);
      pruneMemo(memo);
      if (!hourQueries.includes(dataFromMs)) reused.push(asOfMs);
      const plain = await hourlyConsumption(store, meters, dataFromMs, judgedToMs, TZ);
      expect(withMemo, new Date(asOfMs).toISOString()).toEqual(plain);
      if (asOfMs === at('2026-10-14T10:15:00+08:00')) last = plain;
    }
    // The closed days are computed once a day (and again after the late reading), not at every tick:
    // on 13 October the dip at midnight keeps e1 on the one chunk; on 14 October, once w1 has readings
    // after its gap, no meter is.
    expect(reused).toContain(at('2026-10-14T04:15:00+08:00'));
    expect(reused).toContain(at('2026-10-14T10:15:00+08:00'));
    expect(reused).toContain(at('2026-10-14T10:30:00+08:00'));
    expect(reused).not.toContain(at('2026-10-13T10:15:00+08:00'));
    expect(reused).not.toContain(at('2026-10-13T11:15:00+08:00'));
    // What the cut has to get right at the second midnight (a cut without accounting's two options fails
    // here): e3's spike ignored, its interval's halves booked on both sides; e2's jump held.
    const hourOf = (id: string, startMs: number) => last?.get(id)?.find((h) => h.startMs === startMs)?.consumption;
    expect(hourOf('e3', SPIKE - 3_600_000)).toBeCloseTo(5, 0);
    expect(hourOf('e3', SPIKE)).toBeCloseTo(5, 0);
    expect(hourOf('e2', SPIKE)).toBeNull();
    expect(hourOf('e2', SPIKE + 3_600_000)).toBeCloseTo(15, 0);
  }, 300_000);
});
