import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDuckDbAccountingStore,
  EDGE_WINDOW_MS,
  meterPeriodFigures,
  type AccountingStore,
  type MeterSpec,
} from '../../accounting/index.js';
import { createPeriodFiguresCache, type PeriodFiguresCompute } from '../../accounting/period-figures-cache.js';
import { periodRange, type Reading } from '../../src/kernel/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';

// Issue 11 §4 through a real (in-memory) DuckDB store: a closed month's figures are reused while the readings
// behind them are unchanged, and recomputed, equal to a fresh computation, when a late reading lands in the
// month, in the edge windows around it, or replaces nothing but arrives again.
const TZ = 'Asia/Shanghai';
const STEP = 15 * 60_000;
const october = periodRange('2026-10', TZ)!;

const spec = (id: string): MeterSpec => ({
  id,
  register: 'cumulative',
  multiplier: 1,
  expectedIntervalMinutes: 15,
  replacements: [],
  ceilingPerHour: 50_000,
});
const meters = [spec('m1'), spec('m2')];

/** Readings every 15 minutes over [fromMs, toMs) with a gap (a missing day) in m2's October, arrival 1 s after. */
function readings(meterId: string, fromMs: number, toMs: number, perStep: number): Reading[] {
  const out: Reading[] = [];
  const gapFromMs = Date.parse('2026-10-10T00:00:00+08:00');
  for (let ts = fromMs, i = 0; ts < toMs; ts += STEP, i++) {
    if (meterId === 'm2' && ts >= gapFromMs && ts < gapFromMs + 86_400_000) continue;
    out.push({ meterId, tsMs: ts, value: 1_000 + i * perStep, seq: i, receivedAtMs: ts + 1_000, quality: 'ok' });
  }
  return out;
}

let client: DuckDbClient;
let writer: ReadingStore;
let store: AccountingStore;
let computed = 0;
const counting: PeriodFiguresCompute = (s, m, f, t, z) => {
  computed++;
  return meterPeriodFigures(s, m, f, t, z);
};
const cached = createPeriodFiguresCache(counting);
const fresh = () => meterPeriodFigures(store, meters, october.fromMs, october.toMs, TZ);
const viaCache = () => cached(store, meters, october.fromMs, october.toMs, TZ);

beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  writer = createDuckDbReadingStore(client);
  await writer.init();
  store = createDuckDbAccountingStore(client);
  const fromMs = Date.parse('2026-09-20T00:00:00+08:00');
  const toMs = Date.parse('2026-11-03T00:00:00+08:00');
  await writer.write([...readings('m1', fromMs, toMs, 3), ...readings('m2', fromMs, toMs, 5)], []);
});
afterAll(async () => {
  await client.close();
});

describe('period figures cache over DuckDB', () => {
  it('computes once while the readings are unchanged and returns the same figures', async () => {
    const first = await viaCache();
    const again = await viaCache();
    expect(computed).toBe(1);
    expect(again.figures).toEqual(first.figures);
    expect(first.figures).toEqual((await fresh()).figures);
  });

  it('recomputes when a late reading lands inside the closed month', async () => {
    const before = await viaCache();
    const late = Date.parse('2026-10-10T12:00:00+08:00');
    // m2's missing day gets one reading back (a gateway's late batch).
    await writer.write(
      [{ meterId: 'm2', tsMs: late, value: 1_000 + 1_920 * 5, seq: 1, receivedAtMs: Date.now(), quality: 'ok' }],
      [],
    );
    const calls = computed;
    const after = await viaCache();
    expect(computed).toBe(calls + 1);
    expect(after.figures).toEqual((await fresh()).figures);
    expect(after.figures.get('m2')).not.toEqual(before.figures.get('m2'));
  });

  it('recomputes when a reading lands in the edge window after the month', async () => {
    await viaCache();
    const calls = computed;
    const edgeMs = october.toMs + EDGE_WINDOW_MS - 86_400_000;
    await writer.write(
      [{ meterId: 'm1', tsMs: edgeMs, value: 9e6, seq: 2, receivedAtMs: Date.now(), quality: 'ok' }],
      [],
    );
    await viaCache();
    expect(computed).toBe(calls + 1);
    await viaCache();
    expect(computed).toBe(calls + 1);
  });

  it('recomputes after an exact replay (the arrival moves), with the same figures', async () => {
    const before = await viaCache();
    const calls = computed;
    const replay = readings('m1', october.fromMs, october.fromMs + STEP, 3).map((r) => ({
      ...r,
      receivedAtMs: Date.now(),
    }));
    await writer.write(replay, []);
    const after = await viaCache();
    expect(computed).toBe(calls + 1);
    expect(after.figures).toEqual(before.figures);
  });

  it('turned off, computes every time', async () => {
    let n = 0;
    const off = createPeriodFiguresCache(
      (s, m, f, t, z) => {
        n++;
        return meterPeriodFigures(s, m, f, t, z);
      },
      { maxMeterPeriods: 0 },
    );
    await off(store, meters, october.fromMs, october.toMs, TZ);
    await off(store, meters, october.fromMs, october.toMs, TZ);
    expect(n).toBe(2);
  });
});
