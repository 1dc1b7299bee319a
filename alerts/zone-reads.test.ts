import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbAccountingStore, type AccountingStore } from '../accounting/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../ingest/index.js';
import { createDuckDbClient, type DuckDbClient } from '../src/platform/duckdb/index.js';
import { parseIsoInstant, type Reading } from '../src/kernel/index.js';
import { zoneReads } from './zone-reads.js';

// The memo's validation reads of a zone shared by its passes, against each pass's own reads, on a real
// in-memory DuckDB: four meters, one silent after the 12th, one with a late reading written between two reads.
const at = (iso: string): number => parseIsoInstant(iso) as number;
const STEP_MS = 15 * 60_000;
const FROM = at('2026-10-01T00:00:00+08:00');
const TO = at('2026-10-14T10:00:00+08:00');
const ids = ['a', 'b', 'c', 'd'];

function series(meterId: string): Reading[] {
  const out: Reading[] = [];
  const end = meterId === 'd' ? at('2026-10-12T00:00:00+08:00') : TO;
  for (let t = FROM, seq = 0; t < end; t += STEP_MS, seq++)
    out.push({
      meterId,
      tsMs: t,
      value: 100 + seq * (meterId === 'b' ? 2 : 1),
      seq,
      receivedAtMs: t + 500,
      quality: 'ok',
    });
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
  await writer.write(ids.flatMap(series), []);
});
afterAll(async () => {
  await writer?.close();
  await client?.close();
});

function counted() {
  const calls = { fingerprints: 0, edges: 0 };
  const store: AccountingStore = {
    ...duck,
    readingFingerprints: (q) => {
      calls.fingerprints++;
      return duck.readingFingerprints(q);
    },
    edgeReadings: (q) => {
      calls.edges++;
      return duck.edgeReadings(q);
    },
  };
  return { calls, store };
}

describe('zoneReads', () => {
  it("gives each pass its own read's answer, with one store read per range for the zone", async () => {
    const { calls, store } = counted();
    const shared = zoneReads(store, ids);
    const span = { fromMs: at('2026-10-02T00:00:00+08:00'), toMs: TO };
    const edge = { beforeMs: TO, afterMs: TO, windowMs: 31 * 86_400_000 };
    for (const pass of [['a', 'b'], ['c', 'd'], ['d']]) {
      expect(await shared.readingFingerprints({ meterIds: pass, ...span })).toEqual(
        await duck.readingFingerprints({ meterIds: pass, ...span }),
      );
      const mine = await shared.edgeReadings({ meterIds: pass, ...edge });
      const direct = await duck.edgeReadings({ meterIds: pass, ...edge });
      const plain = (e: typeof mine) => ({ before: Object.fromEntries(e.before), after: Object.fromEntries(e.after) });
      expect(plain(mine)).toEqual(plain(direct));
    }
    expect(calls).toEqual({ fingerprints: 1, edges: 1 });
    // Another range is its own read; an engine's edges (before ≠ after) and a meter outside the zone go through.
    await shared.readingFingerprints({ meterIds: ['a'], fromMs: span.fromMs, toMs: TO - STEP_MS });
    await shared.edgeReadings({ meterIds: ['a'], beforeMs: FROM, afterMs: TO, windowMs: edge.windowMs });
    await shared.edgeReadings({ meterIds: ['a'], beforeMs: FROM, afterMs: TO, windowMs: edge.windowMs });
    await shared.readingFingerprints({ meterIds: ['a', 'x'], ...span });
    expect(calls).toEqual({ fingerprints: 3, edges: 3 });
  });

  it('keeps a read for one instance only: a late reading shows in the next evaluation', async () => {
    const span = { fromMs: FROM, toMs: TO };
    const first = zoneReads(duck, ids);
    const before = await first.readingFingerprints({ meterIds: ['a'], ...span });
    await writer.write([{ meterId: 'c', tsMs: FROM + 7, value: 100.5, seq: 0, receivedAtMs: TO, quality: 'ok' }], []);
    // The same evaluation still says what it read first (its passes judge one state of the store) …
    const sameRun = await first.readingFingerprints({ meterIds: ['c'], ...span });
    const direct = await duck.readingFingerprints({ meterIds: ['c'], ...span });
    expect(sameRun.get('c')).not.toBe(direct.get('c'));
    // … and the next one reads again.
    expect((await zoneReads(duck, ids).readingFingerprints({ meterIds: ['c'], ...span })).get('c')).toBe(
      direct.get('c'),
    );
    expect(before.get('a')).toBe((await duck.readingFingerprints({ meterIds: ['a'], ...span })).get('a'));
  });
});
