import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { ingestStoreContract } from './ingest-store.contract.js';

// One QuestDB for the whole file; each test gets its own pair of tables (a prefix),
// dropped afterwards, so tests cannot see each other's rows.
let qdb: QuestDbHandle;
let tableSet = 0;

beforeAll(async () => {
  // Dev mode only so a test can SUSPEND WAL on purpose (QuestDB refuses it otherwise).
  qdb = await startQuestDb({ config: { 'dev.mode.enabled': 'true' } });
});
afterAll(async () => {
  await qdb?.dispose();
});

async function sql(query: string): Promise<unknown> {
  const res = await fetch(`${qdb.url}/exec?query=${encodeURIComponent(query)}`);
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${query}: ${JSON.stringify(body)}`);
  return body;
}

async function freshStore(requestTimeoutMs = 5_000): Promise<{ store: ReadingStore; prefix: string }> {
  tableSet += 1;
  const prefix = `t${tableSet}_`;
  const store = createQuestDbReadingStore(createQuestDbClient({ url: qdb.url, requestTimeoutMs }), {
    tablePrefix: prefix,
  });
  await store.init();
  return { store, prefix };
}

ingestStoreContract('QuestDB', async () => {
  const { store, prefix } = await freshStore();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await sql(`DROP TABLE IF EXISTS ${prefix}readings`);
      await sql(`DROP TABLE IF EXISTS ${prefix}quarantine`);
    },
  };
});

describe('QuestDB store migration', () => {
  it('moves a readings table deduplicated on (ts, meter_id) to (ts, meter_id, value) at init, idempotently', async () => {
    tableSet += 1;
    const prefix = `t${tableSet}_`;
    await sql(
      `CREATE TABLE ${prefix}readings (meter_id SYMBOL CAPACITY 16384 CACHE, ts TIMESTAMP, value DOUBLE, seq LONG,` +
        ` received_at TIMESTAMP, quality SYMBOL) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, meter_id)`,
    );
    const store = createQuestDbReadingStore(createQuestDbClient({ url: qdb.url, requestTimeoutMs: 5_000 }), {
      tablePrefix: prefix,
    });
    try {
      await store.init();
      await store.init();
      const tsMs = Date.UTC(2026, 9, 1);
      const old: Reading = { meterId: 'm1', tsMs, value: 10, seq: 1, receivedAtMs: tsMs + 1000, quality: 'ok' };
      const rewrite: Reading = { ...old, value: 12, seq: 2 };
      await store.write([old], []);
      await store.sync();
      await store.write([rewrite, old], []);
      await store.sync();
      expect(await store.readings({ meterId: 'm1', fromMs: 0, toMs: Date.UTC(2100, 0, 1), limit: 10 })).toEqual([
        old,
        rewrite,
      ]);
      const columns = (await sql(`SHOW COLUMNS FROM ${prefix}readings`)) as {
        dataset: unknown[][];
        columns: { name: string }[];
      };
      const nameAt = columns.columns.findIndex((c) => c.name === 'column');
      const upsertAt = columns.columns.findIndex((c) => c.name === 'upsertKey');
      const keys = columns.dataset.filter((row) => row[upsertAt] === true).map((row) => row[nameAt]);
      expect(keys.sort()).toEqual(['meter_id', 'ts', 'value']);
    } finally {
      await store.close();
      await sql(`DROP TABLE IF EXISTS ${prefix}readings`);
      await sql(`DROP TABLE IF EXISTS ${prefix}quarantine`);
    }
  });
});

describe('QuestDB store failures', () => {
  const row: Reading = {
    meterId: 'm1',
    tsMs: Date.UTC(2026, 9, 1),
    value: 7.5,
    seq: 1,
    receivedAtMs: Date.UTC(2026, 9, 1, 0, 0, 1),
    quality: 'ok',
  };

  it('rejects a write while QuestDB is down as STORE_UNAVAILABLE (retryable), and the same write succeeds after restart', async () => {
    const { store } = await freshStore(1_500);
    await qdb.stop();
    try {
      await expect(store.write([row], [])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      await expect(store.counts()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    } finally {
      await qdb.start();
    }
    await store.write([row], []);
    await store.sync();
    expect(await store.readings({ meterId: 'm1', fromMs: 0, toMs: Date.UTC(2100, 0, 1), limit: 10 })).toEqual([row]);
    await store.close();
  });

  it('reports a suspended table from sync() instead of waiting forever', async () => {
    const { store, prefix } = await freshStore();
    await sql(`ALTER TABLE ${prefix}readings SUSPEND WAL`);
    await store.write([row], []);
    await expect(store.sync()).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
      details: { table: `${prefix}readings` },
    });
    await sql(`ALTER TABLE ${prefix}readings RESUME WAL`);
    await store.sync();
    expect((await store.counts()).readings).toBe(1);
    await store.close();
  });

  it('rejects a batch QuestDB cannot store as STORE_QUERY_FAILED, not retryable', async () => {
    const { store, prefix } = await freshStore();
    // A column type clash QuestDB cannot cast (it casts many, e.g. LONG into SYMBOL).
    await sql(`DROP TABLE ${prefix}readings`);
    await sql(
      `CREATE TABLE ${prefix}readings (meter_id SYMBOL, ts TIMESTAMP, value DOUBLE, seq BOOLEAN,` +
        ` received_at TIMESTAMP, quality SYMBOL) TIMESTAMP(ts) PARTITION BY DAY WAL`,
    );
    await expect(store.write([row], [])).rejects.toMatchObject({ code: 'STORE_QUERY_FAILED', retryable: false });
    await expect(store.readings({ meterId: "it's", fromMs: 0, toMs: 1, limit: 1 })).resolves.toEqual([]);
    await store.close();
  });
});
