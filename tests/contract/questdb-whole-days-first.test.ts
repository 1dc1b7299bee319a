import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuestDbAccountingStore, type AccountingStore, type SegmentBucket } from '../../accounting/index.js';
import { wholeDaysFirst } from '../../alerts/quota-as-of-store.js';
import { createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { HOUR_MS, type Reading } from '../../src/kernel/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';

// The quota figures' split of a range at its last local midnight (alerts/quota-as-of-store.ts) on
// QuestDB, where the whole days come from the day roll-up and the last day from the window query:
// the merged segments equal the store's answer for the whole range. (The same test on DuckDB sits
// beside the code.)

const TZ = 'Asia/Shanghai';
/** Local midnight of 2026-11-16 in Shanghai; the data covers three local days and the morning of a fourth. */
const DAY0 = Date.parse('2026-11-15T16:00:00Z');
const MIDNIGHT = DAY0 + 3 * 24 * HOUR_MS;
const QUARTER = 15 * 60_000;

const reading = (meterId: string, tsMs: number, value: number): Reading => ({
  meterId,
  tsMs,
  value,
  seq: null,
  receivedAtMs: tsMs,
  quality: 'ok',
});

/** Meters that put the split at the last local midnight to the test: each is compared with the whole range. */
function fixture(): Reading[] {
  const out: Reading[] = [];
  for (let t = DAY0; t < MIDNIGHT + 10 * HOUR_MS; t += QUARTER) {
    const steady = 100 + (t - DAY0) / QUARTER;
    out.push(reading('steady', t, steady));
    // A drop onto the first reading after midnight: a decrease only the comparison across the split sees.
    out.push(reading('drop', t, t >= MIDNIGHT ? steady - 50 : steady));
    // A jump onto the first reading after midnight: the highest rate is the one across the split.
    out.push(reading('jump', t, t >= MIDNIGHT ? steady + 500 : steady));
    if (t >= MIDNIGHT) out.push(reading('today-only', t, steady));
    if (t < MIDNIGHT) out.push(reading('until-yesterday', t, steady));
  }
  // A second value at an instant of the last day (a stored conflict).
  out.push(reading('steady', MIDNIGHT + 2 * HOUR_MS, 5));
  return out;
}

let qdb: QuestDbHandle;
let readings: ReadingStore;
let store: AccountingStore;

beforeAll(async () => {
  qdb = await startQuestDb();
  const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 30_000 });
  readings = createQuestDbReadingStore(client);
  await readings.init();
  const accounting = createQuestDbAccountingStore(client);
  await accounting.init();
  store = accounting;
  await readings.write(fixture(), []);
  await readings.sync();
});
afterAll(async () => {
  await readings?.close();
  await qdb?.dispose();
});

describe('register segments of a range cut inside its last local day', () => {
  const meterIds = ['steady', 'drop', 'jump', 'today-only', 'until-yesterday'];

  it.each<[SegmentBucket, number]>([
    ['day', MIDNIGHT + 7 * HOUR_MS + 5 * 60_000],
    ['month', MIDNIGHT + 7 * HOUR_MS + 5 * 60_000],
    ['month', MIDNIGHT + 1],
  ])('equal the store’s segments of the whole range (%s buckets, to %s)', async (bucket, toMs) => {
    const query = { meterIds, fromMs: DAY0, toMs, bucket, timeZone: TZ };
    const whole = await store.registerSegments(query);
    const split = await wholeDaysFirst(store, query);
    expect(split).toEqual(whole);
    // The cases the split must carry across: a decrease and a rate seen only between the two parts.
    const last = (id: string) => split.filter((s) => s.meterId === id).at(-1);
    expect(last('drop')?.decreases).toBeGreaterThan(0);
    expect(last('jump')?.maxRatePerHour).toBeGreaterThan(1000);
  });

  it('passes through a range that does not start at local midnight, or ends at one', async () => {
    for (const query of [
      { meterIds, fromMs: DAY0 + HOUR_MS, toMs: MIDNIGHT + 5 * HOUR_MS, bucket: 'day' as const, timeZone: TZ },
      { meterIds, fromMs: DAY0, toMs: MIDNIGHT, bucket: 'day' as const, timeZone: TZ },
      { meterIds, fromMs: DAY0, toMs: MIDNIGHT + 5 * HOUR_MS, bucket: 'hour' as const, timeZone: TZ },
    ]) {
      expect(await wholeDaysFirst(store, query)).toEqual(await store.registerSegments(query));
    }
  });
});
