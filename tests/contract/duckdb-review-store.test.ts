import { createDuckDbReviewStore, createMemoryReviewStore } from '../../periods/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { reviewStoreContract } from './review-store.contract.js';

reviewStoreContract('DuckDB (:memory:)', async () => {
  const client = createDuckDbClient({ path: ':memory:' });
  const store = createDuckDbReviewStore(client);
  await store.init();
  return { store, cleanup: () => client.close() };
});

// The in-memory store keeps the same contract, so a test over it sees what a store would give.
reviewStoreContract('in memory', async () => ({ store: createMemoryReviewStore(), cleanup: async () => undefined }));
