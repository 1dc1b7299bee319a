import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDuckDbOutboxStore } from '../../alerts/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { outboxMessage, outboxStoreContract } from './outbox-store.contract.js';

outboxStoreContract('DuckDB (:memory:)', async () => {
  const client = createDuckDbClient({ path: ':memory:' });
  const store = createDuckDbOutboxStore(client);
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await client.close();
    },
  };
});

describe('DuckDB outbox on a file', () => {
  it('keeps queued and sent rows across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tanhe-outbox-'));
    try {
      const path = join(dir, 'tanhe.duckdb');
      const a = outboxMessage('immediate|a|jf@example.org', 1_000);
      const b = outboxMessage('immediate|b|jf@example.org', 2_000);
      const firstClient = createDuckDbClient({ path });
      const first = createDuckDbOutboxStore(firstClient);
      await first.init();
      await first.queue([a, b]);
      await first.markSent([{ key: a.key, messageId: a.messageId, sentAtMs: 3_000 }]);
      await firstClient.close();
      const secondClient = createDuckDbClient({ path });
      const second = createDuckDbOutboxStore(secondClient);
      await second.init();
      expect(await second.pending()).toEqual([b]);
      await secondClient.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
