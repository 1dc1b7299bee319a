import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbAccountingStore, type RawReadingQuery } from '../../accounting/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';

// Issue 11 §4 through a real (in-memory) DuckDB store: one batch of raw-reading queries answers each query
// exactly as `readings` does on its own (order by (ts, value), conflicts included, limits, empty ranges).
const T0 = Date.parse('2026-10-01T00:00:00+08:00');
const STEP = 15 * 60_000;

let client: DuckDbClient;
let writer: ReadingStore;
let store: ReturnType<typeof createDuckDbAccountingStore>;

const reading = (meterId: string, i: number, value: number): Reading => ({
  meterId,
  tsMs: T0 + i * STEP,
  value,
  seq: i,
  receivedAtMs: T0 + i * STEP + 1_000,
  quality: 'ok',
});

beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  writer = createDuckDbReadingStore(client);
  await writer.init();
  store = createDuckDbAccountingStore(client);
  const rows: Reading[] = [];
  for (let i = 0; i < 400; i++) rows.push(reading('a', i, 100 + i), reading('b', i, 5_000 + 2 * i));
  // A conflict: a second value at an instant already stored; written first, so storage order is not the answer's.
  rows.unshift(reading('a', 50, 99));
  await writer.write(rows, []);
});
afterAll(async () => {
  await client.close();
});

describe('DuckDB readingsBatch', () => {
  it('answers every query as readings does, in the queries order', async () => {
    const queries: RawReadingQuery[] = [
      { meterId: 'a', fromMs: T0 + 40 * STEP, toMs: T0 + 60 * STEP, limit: 1_000 },
      { meterId: 'b', fromMs: T0, toMs: T0 + 400 * STEP, limit: 7 },
      { meterId: 'a', fromMs: T0 + 51 * STEP, toMs: T0 + 300 * STEP, limit: 8 },
      { meterId: 'a', fromMs: T0 + 10 * STEP, toMs: T0 + 10 * STEP, limit: 8 },
      { meterId: 'b', fromMs: T0 + 10 * STEP, toMs: T0 + 20 * STEP, limit: 0 },
      { meterId: 'missing', fromMs: T0, toMs: T0 + 400 * STEP, limit: 8 },
      { meterId: 'a', fromMs: T0 + 390 * STEP, toMs: T0 + 500 * STEP, limit: 1_000 },
    ];
    const batch = await store.readingsBatch(queries);
    const one = await Promise.all(queries.map((q) => store.readings(q)));
    expect(batch).toEqual(one);
    expect(batch.map((answer) => answer.length)).toEqual([21, 7, 8, 0, 0, 0, 10]);
    expect(batch[0]?.slice(10, 12).map((r) => r.value)).toEqual([99, 150]);
  });

  it('answers an empty batch with nothing', async () => {
    expect(await store.readingsBatch([])).toEqual([]);
  });
});
