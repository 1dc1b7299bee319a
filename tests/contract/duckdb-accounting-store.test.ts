import { createDuckDbAccountingStore } from '../../accounting/index.js';
import { createDuckDbReadingStore } from '../../ingest/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { accountingStoreContract } from './accounting-store.contract.js';

accountingStoreContract('DuckDB (:memory:)', async () => {
  const client = createDuckDbClient({ path: ':memory:' });
  const writer = createDuckDbReadingStore(client);
  const store = createDuckDbAccountingStore(client);
  await writer.init();
  await store.init();
  return {
    store,
    writer,
    cleanup: async () => {
      await writer.close();
      await client.close();
    },
  };
});
