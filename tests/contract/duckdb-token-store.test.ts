import { join } from 'node:path';
import { createDuckDbTokenStore } from '../../access/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { tokenStoreContract } from './token-store.contract.js';

// A file, not ':memory:', so that a restart (a new client on the same file) has something to find.
tokenStoreContract('DuckDB (file)', async () => {
  const dir = await makeTempDir('duckdb-token-store');
  const path = join(dir, 'store.duckdb');
  let client: DuckDbClient = createDuckDbClient({ path });
  const store = createDuckDbTokenStore(client);
  await store.init();
  return {
    store,
    async reopen() {
      await client.close();
      client = createDuckDbClient({ path });
      const reopened = createDuckDbTokenStore(client);
      await reopened.init();
      return reopened;
    },
    async cleanup() {
      await client.close();
      await removeTempDir(dir);
    },
  };
});
