import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDuckDbReadingStore } from '../../ingest/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { ingestStoreContract } from './ingest-store.contract.js';

ingestStoreContract('DuckDB (:memory:)', async () => {
  const client = createDuckDbClient({ path: ':memory:' });
  const store = createDuckDbReadingStore(client);
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await client.close();
    },
  };
});

describe('DuckDB store migration', () => {
  it('rebuilds a readings table keyed on (meter_id, ts) under the (meter_id, ts, value) key at init, once', async () => {
    const client = createDuckDbClient({ path: ':memory:' });
    try {
      await client.run(async (connection) => {
        await connection.run(`CREATE TABLE readings (meter_id VARCHAR NOT NULL, ts TIMESTAMPTZ NOT NULL,
          value DOUBLE NOT NULL, seq BIGINT, received_at TIMESTAMPTZ NOT NULL, quality VARCHAR NOT NULL,
          PRIMARY KEY (meter_id, ts))`);
        await connection.run(`INSERT INTO readings VALUES ('m1', TIMESTAMPTZ '2026-10-01 00:00:00+00', 10, 1,
          TIMESTAMPTZ '2026-10-01 00:00:01+00', 'ok')`);
      });
      const store = createDuckDbReadingStore(client);
      await store.init();
      await store.init();
      const tsMs = Date.UTC(2026, 9, 1);
      const old = { meterId: 'm1', tsMs, value: 10, seq: 1, receivedAtMs: tsMs + 1000, quality: 'ok' as const };
      const rewrite = { ...old, value: 12, seq: 2 };
      await store.write([rewrite, old], []);
      expect(await store.readings({ meterId: 'm1', fromMs: 0, toMs: Date.UTC(2100, 0, 1), limit: 10 })).toEqual([
        old,
        rewrite,
      ]);
      expect(await store.conflicts({ fromMs: 0, toMs: Date.UTC(2100, 0, 1), limit: 10 })).toEqual([
        { meterId: 'm1', tsMs, values: [10, 12] },
      ]);
    } finally {
      await client.close();
    }
  });
});

describe('DuckDB store on a file', () => {
  it('creates the parent directory and keeps rows across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tanhe-duckdb-'));
    try {
      const path = join(dir, 'nested', 'deeper', 'tanhe.duckdb');
      const row = {
        meterId: 'm1',
        tsMs: Date.UTC(2026, 9, 1),
        value: 12345.678,
        seq: 3,
        receivedAtMs: Date.UTC(2026, 9, 1, 0, 0, 1),
        quality: 'ok' as const,
      };
      const firstClient = createDuckDbClient({ path });
      const first = createDuckDbReadingStore(firstClient);
      await first.init();
      await first.write([row], []);
      await first.close();
      await firstClient.close();
      const secondClient = createDuckDbClient({ path });
      const second = createDuckDbReadingStore(secondClient);
      await second.init();
      expect(await second.readings({ meterId: 'm1', fromMs: 0, toMs: Date.UTC(2100, 0, 1), limit: 10 })).toEqual([row]);
      await second.close();
      await secondClient.close();
      await expect(second.counts()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
