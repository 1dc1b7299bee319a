import { createDuckDbPeriodStore, createMemoryPeriodStore } from '../../periods/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { periodStoreContract } from './period-store.contract.js';

periodStoreContract('DuckDB (:memory:)', async () => {
  const client = createDuckDbClient({ path: ':memory:' });
  const store = createDuckDbPeriodStore(client);
  await store.init();
  return { store, cleanup: () => client.close() };
});

periodStoreContract('in memory', async () => ({ store: createMemoryPeriodStore(), cleanup: async () => undefined }));
